#!/usr/bin/env bash
# Round 7 memory (issue 11): the new build (NEW_BIN) against the base
# (BASE_BIN, 58e3626) at EchoTest 40 and VideoRoom 1 -> 50; servers on CPU 0,
# load tool on CPU 1, 15 s, REPEAT=2 per compare.sh run, base and new
# interleaved, Janus in each base run. Run as root from the repo root; each
# compare.sh run takes the machine-wide bench lock (BENCH_LOCK) on its own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1 REPEAT=2 SPLIT=0
b() { flock "$BENCH_LOCK" bash bench/compare.sh; }
for rep in ${REPS:-1 2}; do
	{ date -u +%T; cut -d' ' -f1-3 /proc/loadavg; } | paste -sd' ' | tee -a "$here/load.txt"
	OUT=$here/ab/echo-40-base-$rep SESSIONS=40 SERVERS="janus argus" ARGUS_BIN=$BASE_BIN b
	OUT=$here/ab/echo-40-new-$rep SESSIONS=40 SERVERS=argus ARGUS_BIN=$NEW_BIN b
	{ date -u +%T; cut -d' ' -f1-3 /proc/loadavg; } | paste -sd' ' | tee -a "$here/load.txt"
	OUT=$here/ab/vr-50-new-$rep SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus ARGUS_BIN=$NEW_BIN b
	OUT=$here/ab/vr-50-base-$rep SESSIONS=1 SUBSCRIBERS=50 SERVERS="janus argus" ARGUS_BIN=$BASE_BIN b
done
{ date -u +%T; cut -d' ' -f1-3 /proc/loadavg; } | paste -sd' ' | tee -a "$here/load.txt"
