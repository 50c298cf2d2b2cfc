"""Running an installation: the database roles, backup and restore.

Operators' commands, not casework: they stand on every domain (counts, chains) and no domain
stands on them.
"""
