#!/usr/bin/env bash
# Round 10 (issue 11): served queues (NEW_BIN) against the base (BASE_BIN)
# at EchoTest 40, EchoTest 80 and VideoRoom 1 -> 100; Argus on CPU 0, the
# load tool on CPU 1, 15 s, one run per compare.sh call, base and new
# interleaved (the order flips each repeat). Run as root from the
# repository root; each compare.sh run takes the bench lock (BENCH_LOCK).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1 REPEAT=1 WARMUP=1 SPLIT=0 SERVERS=argus LOAD_BIN=${LOAD_BIN:?}
b() { flock "$BENCH_LOCK" bash bench/compare.sh; }
one() { # one load, both builds, in the order given
	local load=$1 rep=$2
	shift 2
	for build in "$@"; do
		bin=$BASE_BIN
		[ "$build" = new ] && bin=$NEW_BIN
		case $load in
		echo-*) OUT=$here/ab/$load-$build-$rep SESSIONS=${load#echo-} ARGUS_BIN=$bin b ;;
		vr-*) OUT=$here/ab/$load-$build-$rep SESSIONS=1 SUBSCRIBERS=${load#vr-} ARGUS_BIN=$bin b ;;
		esac
	done
}
for rep in ${REPS:-1 2 3}; do
	order="base new"
	[ $((rep % 2)) = 0 ] && order="new base"
	{ date -u +%T; cut -d' ' -f1-3 /proc/loadavg; } | paste -sd' ' | tee -a "$here/load.txt"
	for load in ${LOADS:-echo-40 echo-80 vr-100}; do
		# shellcheck disable=SC2086
		one "$load" "$rep" $order
	done
done
{ date -u +%T; cut -d' ' -f1-3 /proc/loadavg; } | paste -sd' ' | tee -a "$here/load.txt"
