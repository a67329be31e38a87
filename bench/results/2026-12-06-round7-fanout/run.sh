#!/usr/bin/env bash
# run.sh TAG ARGUS LOAD KIND(500|300)
set -u
tag=$1; export ARGUS_BIN=$2 LOAD_BIN=$3
cd .
out=$RES/$tag
if [ "$4" = 500 ]; then
  echo "$tag $(uptime)" >> $RES/load.txt
  SERVER_CPU='' LOAD_CPU='' OUT=$out SESSIONS=1 SUBSCRIBERS=500 SERVERS=argus REPEAT=1 WARMUP=0 \
    LOAD_ARGS="-setup-timeout 60s" DURATION=15s RAMP=5s bench/compare.sh > $out.out 2>&1
else
  echo "$tag $(uptime)" >> $RES/load.txt
  SERVER_CPU=0 LOAD_CPU=1 OUT=$out SESSIONS=1 SUBSCRIBERS=300 SERVERS=argus REPEAT=1 WARMUP=0 \
    LOAD_ARGS="-setup-timeout 40s" DURATION=15s RAMP=5s bench/compare.sh > $out.out 2>&1
fi
echo "$tag end $(uptime)" >> $RES/load.txt
tail -3 $out.out
