#!/bin/bash
# Run F RSS: EchoTest 40 and VideoRoom 1 -> 50, Janus, Argus (a768a02) and Argus before the queue cap (c3d23c7), interleaved by repeat.
cd "$(dirname "$0")"/../../..
for rep in 1 2; do
  for bin in after before; do
    if [ $bin = after ]; then srv="janus argus"; ab=BIN/argus; else srv="argus"; ab=BIN/argus-before; fi
    date -u; cat /proc/loadavg
    env ARGUS_BIN=$ab LOAD_BIN=BIN/argus-load SERVER_CPU=0 LOAD_CPU=1 DURATION=15s RAMP=5s SERVERS="$srv" WARMUP=1 \
      OUT=OUT/rss-echo-$bin-$rep SESSIONS=40 bench/compare.sh
    date -u; cat /proc/loadavg
    env ARGUS_BIN=$ab LOAD_BIN=BIN/argus-load SERVER_CPU=0 LOAD_CPU=1 DURATION=15s RAMP=5s SERVERS="$srv" WARMUP=0 \
      OUT=OUT/rss-vr-$bin-$rep SESSIONS=1 SUBSCRIBERS=50 bench/compare.sh
  done
done
date -u; cat /proc/loadavg
