#!/usr/bin/env bash
set -u
cd .
export ARGUS_BIN=$BIN/base-argus LOAD_BIN=$BIN/load
for v in sp nosp; do
  la="-setup-timeout 40s"; [ $v = sp ] && la="$la -shared-port"
  echo "ab300-$v $(uptime)" >> $RES/load.txt
  SERVER_CPU=0 LOAD_CPU=1 OUT=$RES/ab300-$v SESSIONS=1 SUBSCRIBERS=300 SERVERS=argus REPEAT=1 WARMUP=0 \
    LOAD_ARGS="$la" DURATION=15s RAMP=5s bench/compare.sh > $RES/ab300-$v.out 2>&1
  grep "compare.sh: argus-1" $RES/ab300-$v.out | head -1
done
