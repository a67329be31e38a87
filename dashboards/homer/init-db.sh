#!/bin/sh
# PostgreSQL first-start hook (docker-entrypoint-initdb.d): homer-app keeps
# its settings in homer_config; heplify-server creates homer_data itself.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE DATABASE homer_config;
SQL
