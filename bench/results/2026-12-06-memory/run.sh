#!/usr/bin/env bash
# Round 3 memory (issue 11): EchoTest 40 and VideoRoom 1 -> 50 against Janus,
# servers on CPU 0, load tool on CPU 1. Per repeat: Janus and Argus AFTER
# (ARGUS_BIN) in one compare.sh run, then Argus BEFORE (BEFORE_BIN) alone.
# Run as root from the repo root with ARGUS_BIN, BEFORE_BIN and LOAD_BIN set;
# serialised with the machine-wide bench lock.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1
b() { flock /tmp/argus-bench.lock bash bench/compare.sh; }
for rep in 1 2; do
	uptime | tee -a "$here/load.txt"
	OUT=$here/echo-40-$rep SESSIONS=40 SERVERS="janus argus" b
	OUT=$here/echo-40-before-$rep SESSIONS=40 SERVERS=argus ARGUS_BIN=$BEFORE_BIN b
	uptime | tee -a "$here/load.txt"
	OUT=$here/vr-50-$rep SESSIONS=1 SUBSCRIBERS=50 SERVERS="janus argus" b
	OUT=$here/vr-50-before-$rep SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus ARGUS_BIN=$BEFORE_BIN b
done
uptime | tee -a "$here/load.txt"
