#!/usr/bin/env bash
# Round 6 memory (issue 11): instructions per echoed packet (VALGRIND=1,
# the 10 s / 40 s slope of bench/instructions.jq and bench/cgslope.sh) of
# the pooled receive queues (NEW_BIN) against the base (BASE_BIN), EchoTest 4
# at a light rate, as in Round 4. Run as root from the repo root; each
# compare.sh run holds the machine-wide bench lock (BENCH_LOCK).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
b() { flock "$BENCH_LOCK" bash bench/compare.sh; }
for d in 10s 40s; do
	for v in base new; do
		bin=$BASE_BIN
		[ "$v" = new ] && bin=$NEW_BIN
		OUT=$here/vg/$v-$d VALGRIND=1 RAMP=2s SESSIONS=4 DURATION=$d SERVERS=argus ARGUS_BIN=$bin \
			LOAD_ARGS="-audio-pps 25 -video-pps 60 -video-fps 10 -setup-timeout 60s" b
	done
done
