#!/usr/bin/env bash
# Round 6 memory (issue 11): the pooled receive queues (NEW_BIN) against the
# base (BASE_BIN) at EchoTest 80, where one core lags more, interleaved, each
# Argus alone in its own compare.sh run (servers on CPU 0, load on CPU 1,
# 15 s). Run as root from the repo root; each compare.sh run holds the
# machine-wide bench lock (BENCH_LOCK).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1
b() { flock "$BENCH_LOCK" bash bench/compare.sh; }
for rep in 1 2; do
	cut -d' ' -f1-3 /proc/loadavg | tee -a "$here/load.txt"
	OUT=$here/echo80/echo-80-base-$rep SESSIONS=80 SERVERS=argus ARGUS_BIN=$BASE_BIN b
	OUT=$here/echo80/echo-80-new-$rep SESSIONS=80 SERVERS=argus ARGUS_BIN=$NEW_BIN b
done
