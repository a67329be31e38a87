#!/usr/bin/env bash
# ab500.sh: VideoRoom 1 -> 500, nothing pinned, two builds of Argus
# interleaved (base, new, base, new) with one load tool: a change's effect
# at the fan-out load the host forwards least of. RUN is a folder holding
# the binaries argus (the change), argus-base (what it is compared with)
# and argus-load; results, logs and the load average at each run's start
# go to $RUN/ab500. As root, from the repository root:
#   RUN=DIR bench/ab500.sh
# Runs M and N of docs/BENCHMARKS.md (their ab-500 folders).
set -u
run=${RUN:?RUN=folder with argus, argus-base and argus-load}
mkdir -p "$run/ab500"
for i in 1 2; do
  for arm in base new; do
    bin=$run/argus; [ $arm = base ] && bin=$run/argus-base
    echo "$arm-$i $(uptime)" >> "$run/ab500/load.txt"
    SERVER_CPU='' LOAD_CPU='' DURATION=15s RAMP=5s OUT=$run/ab500/$arm-$i SESSIONS=1 SUBSCRIBERS=500 \
      SERVERS=argus REPEAT=1 WARMUP=0 LOAD_ARGS="-setup-timeout 60s" ARGUS_BIN=$bin LOAD_BIN=$run/argus-load \
      bench/compare.sh > "$run/ab500/$arm-$i.log" 2>&1
  done
done
echo DONE >> "$run/ab500/load.txt"
