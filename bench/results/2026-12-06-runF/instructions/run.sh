#!/bin/bash
# Run F instruction counts: EchoTest 4 and VideoRoom 1 -> 20, each at two durations.
cd "$(dirname "$0")"/../../..
common=(VALGRIND=1 ARGUS_BIN=BIN/argus LOAD_BIN=BIN/argus-load RAMP=2s SERVERS="janus argus")
for d in 10s 40s; do
  date -u; cat /proc/loadavg
  env "${common[@]}" OUT=OUT/echo-$d SESSIONS=4 DURATION=$d \
    LOAD_ARGS="-audio-pps 25 -video-pps 60 -video-fps 10 -setup-timeout 60s" bench/compare.sh
done
for d in 10s 40s; do
  date -u; cat /proc/loadavg
  env "${common[@]}" OUT=OUT/vr-$d SESSIONS=1 SUBSCRIBERS=20 DURATION=$d \
    LOAD_ARGS="-audio-pps 10 -video-pps 30 -video-fps 10 -setup-timeout 90s" bench/compare.sh
done
date -u; cat /proc/loadavg
