#!/usr/bin/env bash
# prof.sh TAG ARGUS_PROF_BIN LOAD_BIN : 1->500 unpinned with argus pprof + perf of whole system
set -u
tag=$1; export ARGUS_BIN=$2 LOAD_BIN=$3
cd .
export ARGUS_CPUPROFILE=$RES/$tag.argus.pprof ARGUS_CPUPROFILE_AFTER=12s ARGUS_CPUPROFILE_FOR=12s
uptime > $RES/$tag.uptime
SERVER_CPU='' LOAD_CPU='' OUT=$RES/$tag SESSIONS=1 SUBSCRIBERS=500 SERVERS=argus REPEAT=1 WARMUP=0 \
  LOAD_ARGS="-setup-timeout 60s" DURATION=15s RAMP=5s bench/compare.sh > $RES/$tag.out 2>&1 &
cpid=$!
# wait for the load tool to start
for i in $(seq 1 120); do pgrep -f "$LOAD_BIN -url" >/dev/null && break; sleep 0.5; done
sleep 12
perf record -F 499 -g -a -o $RES/$tag.perf.data -- sleep 10 >/dev/null 2>&1
wait $cpid
echo rc=$?
