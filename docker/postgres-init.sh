#!/bin/sh
# Run once by the postgres image on an empty data directory, as the superuser: the owner role
# (tables, migrations, backups; may create the app role) and the database it owns. The app role
# itself is made by `oversight db roles` in the migrate service. Nothing else uses the superuser.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$OVERSIGHT_OWNER_DB_PASSWORD" <<'SQL'
CREATE ROLE oversight_owner LOGIN CREATEROLE NOSUPERUSER NOCREATEDB PASSWORD :'owner_password';
CREATE DATABASE oversight OWNER oversight_owner;
REVOKE ALL ON DATABASE oversight FROM PUBLIC;
SQL
