#!/usr/bin/env bash
# ab.sh: base (main), new (this branch, GOGC 50) and new35 (this branch, defaultGCPercent 35)
# interleaved, EchoTest 40 and VideoRoom 1 -> 50; REPS="1 2 3" (batch 1, Janus in repeat 1),
# then REPS="4 5 6" (batch 2), then REPS="7 8 9" LOADS=echo40 (batch 3); the arms' order
# alternates per repeat.
set -u
cd "$(dirname "$0")/../../.."  # the repository root
B=${BIN:?BIN: folder of the binaries}
O=${OUT:?OUT: results folder}
for i in ${REPS:-1 2 3}; do
  for load in ${LOADS:-echo40 vr50}; do
    if [ $load = echo40 ]; then extra=(SESSIONS=40); else extra=(SESSIONS=1 SUBSCRIBERS=50); fi
    arms="base new new35"; [ $((i % 2)) = 0 ] && arms="new35 new base"
    [ $i = 1 ] && arms="janus base new new35"
    for v in $arms; do
      echo "$(date -u +%T) $v $load $i load=$(cut -d' ' -f1 /proc/loadavg)" >> $O/load.txt
      if [ $v = janus ]; then srv=(SERVERS=janus); else srv=(SERVERS=argus ARGUS_BIN=$B/argus-$v); fi
      flock /tmp/bench.lock env SERVER_CPU=0 LOAD_CPU=1 DURATION=15s RAMP=5s "${extra[@]}" "${srv[@]}" REPEAT=1 WARMUP=1 SPLIT=0 LOAD_BIN=$B/argus-load OUT=$O/$load-$v-$i bench/compare.sh > $O/$load-$v-$i.log 2>&1
    done
  done
done
echo "$(date -u +%T) done" >> $O/load.txt
