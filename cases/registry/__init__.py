"""The register (登记簿): authorities, users, supervised units and their import, credit codes,
key monitored units, recusals and the register's own history."""
