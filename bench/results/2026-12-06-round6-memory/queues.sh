#!/usr/bin/env bash
# Round 6 memory (issue 11): the receive queues with pooled packet buffers
# (NEW_BIN) against the base (BASE_BIN). EchoTest 40 and VideoRoom 1 -> 50,
# servers on CPU 0, load tool on CPU 1, 15 s, interleaved, each Argus alone
# in its own compare.sh run; Janus with the base in repeat 1. Run as root
# from the repo root; each compare.sh run holds the machine-wide bench lock
# (flock on the lock file named by BENCH_LOCK).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1
b() { flock "$BENCH_LOCK" bash bench/compare.sh; }
for rep in ${REPS:-1 2 3}; do
	j="janus argus"
	[ "$rep" = 1 ] || j=argus
	cut -d' ' -f1-3 /proc/loadavg | tee -a "$here/load.txt"
	OUT=$here/queues/echo-40-base-$rep SESSIONS=40 SERVERS="$j" ARGUS_BIN=$BASE_BIN b
	OUT=$here/queues/echo-40-new-$rep SESSIONS=40 SERVERS=argus ARGUS_BIN=$NEW_BIN b
	cut -d' ' -f1-3 /proc/loadavg | tee -a "$here/load.txt"
	OUT=$here/queues/vr-50-base-$rep SESSIONS=1 SUBSCRIBERS=50 SERVERS="$j" ARGUS_BIN=$BASE_BIN b
	OUT=$here/queues/vr-50-new-$rep SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus ARGUS_BIN=$NEW_BIN b
done
cut -d' ' -f1-3 /proc/loadavg | tee -a "$here/load.txt"
