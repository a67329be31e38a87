#!/usr/bin/env bash
# 1 -> 500 unpinned, base (badb091) and this session's build interleaved.
# RUN is a folder holding the binaries argus (this session), argus-base
# (badb091) and argus-load; results go to $RUN/ab500. As root, from the
# repository root.
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
