#!/usr/bin/env bash
# ab.sh: GOGC 50 (argus) against 35 (argus-gc35: defaultGCPercent 35 in
# cmd/argus/main.go), interleaved, EchoTest 40 and VideoRoom 1 -> 50,
# Janus once per load, three repeats, the arms' order alternating. BIN is
# a folder with argus, argus-gc35 and argus-load; OUT gets the results.
# As root from the repository root: BIN=... OUT=... ab.sh
set -u
B=${BIN:?BIN: folder of the binaries}
O=${OUT:?OUT: results folder}
mkdir -p "$O"
for i in 1 2 3; do
  for load in echo40 vr50; do
    if [ $load = echo40 ]; then extra=(SESSIONS=40); else extra=(SESSIONS=1 SUBSCRIBERS=50); fi
    arms="gc50 gc35"; [ $((i % 2)) = 0 ] && arms="gc35 gc50"
    [ $i = 1 ] && arms="janus $arms"
    for v in $arms; do
      echo "$(date -u +%T) $v $load $i load=$(cut -d' ' -f1 /proc/loadavg)" >> "$O/load.txt"
      case $v in janus) srv=(SERVERS=janus);; gc50) srv=(SERVERS=argus ARGUS_BIN=$B/argus);; gc35) srv=(SERVERS=argus ARGUS_BIN=$B/argus-gc35);; esac
      env SERVER_CPU=0 LOAD_CPU=1 DURATION=15s RAMP=5s "${extra[@]}" "${srv[@]}" REPEAT=1 WARMUP=1 SPLIT=0 \
        LOAD_BIN="$B/argus-load" OUT="$O/$load-$v-$i" bench/compare.sh > "$O/$load-$v-$i.log" 2>&1
    done
  done
done
echo "$(date -u +%T) done" >> "$O/load.txt"
