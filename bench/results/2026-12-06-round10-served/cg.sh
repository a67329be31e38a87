#!/usr/bin/env bash
# Round 10 (issue 11): instructions per echoed packet, base (BASE_BIN) and
# served queues (NEW_BIN), EchoTest 4 sessions, the 10 s / 40 s slope of
# Round 3 (compare.sh VALGRIND=1), then bench/cgslope.sh per build. Run as
# root from the repository root; each compare.sh run takes the bench lock.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export VALGRIND=1 RAMP=2s SERVERS=argus SESSIONS=4 LOAD_BIN=${LOAD_BIN:?} \
	LOAD_ARGS="-audio-pps 25 -video-pps 60 -video-fps 10 -setup-timeout 60s"
for rep in ${REPS:-1}; do
	for build in base new; do
		bin=$BASE_BIN
		[ "$build" = new ] && bin=$NEW_BIN
		for d in 10s 40s; do
			OUT=$here/cg/echo-$build-$rep-$d DURATION=$d ARGUS_BIN=$bin flock "$BENCH_LOCK" bash bench/compare.sh
		done
		bench/cgslope.sh "$here/cg/echo-$build-$rep-10s" "$here/cg/echo-$build-$rep-40s" 25 > "$here/cg/slope-$build-$rep.txt"
	done
done
