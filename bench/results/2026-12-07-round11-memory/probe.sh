#!/usr/bin/env bash
# probe.sh: memprobe builds of base and new, interleaved, allocation totals per run.
set -u
cd "$(dirname "$0")/../../.."  # the repository root
B=${BIN:?BIN: folder of the binaries}
O=${OUT:?OUT: results folder}
for i in 1 2 3; do
  for v in base new; do
    for load in echo40 vr50; do
      if [ $load = echo40 ]; then extra=(SESSIONS=40); else extra=(SESSIONS=1 SUBSCRIBERS=50); fi
      echo "$(date -u +%T) $v $load $i load=$(cut -d' ' -f1 /proc/loadavg)" >> $O/load.txt
      flock /tmp/bench.lock env ARGUS_MEMPROBE=$O/$load-$v-$i ARGUS_MEMPROFILERATE=0 SERVER_CPU=0 LOAD_CPU=1 DURATION=15s RAMP=5s "${extra[@]}" SERVERS=argus REPEAT=1 WARMUP=1 SPLIT=0 ARGUS_BIN=$B/argus-probe-$v LOAD_BIN=$B/argus-load OUT=$O/run-$load-$v-$i bench/compare.sh > $O/run-$load-$v-$i.log 2>&1
    done
  done
done
echo done >> $O/load.txt
