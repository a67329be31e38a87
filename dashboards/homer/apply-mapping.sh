#!/bin/sh
# One-shot job of docker-compose.homer.yml: wait until homer-app has created
# and populated homer_config.mapping_schema, then install the working
# 100_default correlation mapping (100_default_mapping.sql). Idempotent.
# Connection: PGHOST, PGUSER, PGPASSWORD, PGDATABASE.
set -eu
sql=${MAPPING_SQL:-/homer/100_default_mapping.sql}
i=0
until [ "$(psql -tAc "SELECT count(*) FROM mapping_schema WHERE hepid = 100 AND profile = 'default'" 2>/dev/null || echo 0)" = "1" ]; do
	i=$((i + 1))
	if [ "$i" -gt 180 ]; then
		echo "homer-mapping: mapping_schema has no 100/default row after 180 s; is homer-webapp running?" >&2
		exit 1
	fi
	sleep 1
done
psql -v ON_ERROR_STOP=1 -f "$sql"
psql -tAc "SELECT correlation_mapping FROM mapping_schema WHERE hepid = 100 AND profile = 'default'"
echo "homer-mapping: 100_default correlation mapping installed"
