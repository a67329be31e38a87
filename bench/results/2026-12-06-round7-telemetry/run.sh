#!/usr/bin/env bash
# Round 7 telemetry cost, as run (from the repository root, as root, under
# the shared bench flock; ARGUS_BIN = the build measured, LOAD_BIN =
# argus-load of the same tree; TAG names the build and run, e.g. base1, new1):
#
# 1. instructions (valgrind), EchoTest 4, argus and argus-tel, 10 s and 40 s:
#      bench/results/2026-12-06-round7-telemetry/run.sh vg
# 2. timing and system calls, EchoTest 40, 4 pairs per run, builds interleaved:
#      bench/results/2026-12-06-round7-telemetry/run.sh ab
set -euo pipefail
cd "$(dirname "$0")/../../.."
R=bench/results/2026-12-06-round7-telemetry
: "${ARGUS_BIN:?}" "${LOAD_BIN:?}" "${TAG:?}"
case $1 in
vg)
	export VALGRIND=1 RAMP=2s SERVERS="argus argus-tel" SESSIONS=4 SPLIT=0
	for d in 10s 40s; do
		OUT=$R/vg-$TAG-$d DURATION=$d LOAD_ARGS="-audio-pps 25 -video-pps 60 -video-fps 10 -setup-timeout 60s" bench/compare.sh
	done
	jq -s -r -f bench/instructions.jq $R/vg-$TAG-10s/*.result.json $R/vg-$TAG-40s/*.result.json
	SERVER=argus-tel bench/cgslope.sh $R/vg-$TAG-10s $R/vg-$TAG-40s 40
	;;
ab)
	DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1 SESSIONS=40 SERVERS="argus argus-tel" REPEAT=${REPEAT:-4} WARMUP=1 SPLIT=0 SYSCALLS=1 \
		OUT=$R/ab-$TAG bench/compare.sh
	jq -n -r -f bench/telab.jq $R/ab-$TAG/*.result.json
	;;
esac
