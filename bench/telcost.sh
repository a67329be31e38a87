#!/usr/bin/env bash
# telcost.sh vg|ab DIR TAG: what all telemetry costs at EchoTest, plain
# Argus against argus-tel (every sink on), the two ways Rounds 6 and 7 of
# docs/BENCHMARKS.md measured it. Run as root from the repository root,
# under the bench lock, with ARGUS_BIN and LOAD_BIN built from the tree
# measured; TAG names the build and run (base1, new1, ...); results go to
# DIR/vg-TAG-10s, DIR/vg-TAG-40s or DIR/ab-TAG.
#
#   vg  user-space instructions (valgrind), EchoTest 4 at a light rate,
#       10 s and 40 s: per packet = the slope; split by function group.
#   ab  timing and system calls, EchoTest 40, REPEAT (default 4) pairs of
#       plain and all-telemetry Argus: on/off per received packet.
set -euo pipefail
mode=${1:?usage: bench/telcost.sh vg|ab DIR TAG}
dir=${2:?usage: bench/telcost.sh vg|ab DIR TAG}
tag=${3:?usage: bench/telcost.sh vg|ab DIR TAG}
: "${ARGUS_BIN:?}" "${LOAD_BIN:?}"
export ARGUS_BIN LOAD_BIN
case $mode in
vg)
	export VALGRIND=1 RAMP=2s SERVERS="argus argus-tel" SESSIONS=4 SPLIT=0
	for d in 10s 40s; do
		OUT=$dir/vg-$tag-$d DURATION=$d LOAD_ARGS="-audio-pps 25 -video-pps 60 -video-fps 10 -setup-timeout 60s" bench/compare.sh
	done
	jq -s -r -f bench/instructions.jq "$dir/vg-$tag-10s"/*.result.json "$dir/vg-$tag-40s"/*.result.json
	SERVER=argus-tel bench/cgslope.sh "$dir/vg-$tag-10s" "$dir/vg-$tag-40s" 40
	;;
ab)
	DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1 SESSIONS=40 SERVERS="argus argus-tel" REPEAT=${REPEAT:-4} WARMUP=1 SPLIT=0 SYSCALLS=1 \
		OUT=$dir/ab-$tag bench/compare.sh
	jq -n -r -f bench/telab.jq "$dir/ab-$tag"/*.result.json
	;;
*)
	echo "usage: bench/telcost.sh vg|ab DIR TAG" >&2
	exit 2
	;;
esac
