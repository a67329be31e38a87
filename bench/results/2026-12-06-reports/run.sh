#!/bin/bash
# Round 4 — own RTCP reports: the runs behind docs/BENCHMARKS.md, in the
# order they ran. NEW: cmd/argus at the measured commit, BASE: at 6a37cd9,
# LOAD_BIN: cmd/argus-load at 6a37cd9; OUT_ROOT: where results go; LOCK:
# the machine-wide bench lock. Every compare.sh run takes the lock.
set -eu
: "${NEW:?} ${BASE:?} ${LOAD_BIN:?} ${OUT_ROOT:?} ${LOCK:?}"
export LOAD_BIN
run() { flock "$LOCK" bench/compare.sh; }

# Instructions (VALGRIND=1), 10 s and 40 s of EchoTest 4 at a light rate.
for d in 10s 40s; do
	OUT=$OUT_ROOT/vg-final-$d VALGRIND=1 RAMP=2s SESSIONS=4 DURATION=$d SERVERS=argus ARGUS_BIN=$NEW \
		LOAD_ARGS="-audio-pps 25 -video-pps 60 -video-fps 10 -setup-timeout 60s" run
	# the base binary the same way (vg-base-*), and the intermediate
	# commit cb1c669 with SERVERS="janus argus" (vg-new-*)
done

# RSS and CPU: server on CPU 0, load on CPU 1, interleaved.
export SERVER_CPU=0 LOAD_CPU=1 DURATION=15s RAMP=5s
for r in 1 2 3; do
	OUT=$OUT_ROOT/e40-final-$r SESSIONS=40 SERVERS="janus argus" ARGUS_BIN=$NEW run
	OUT=$OUT_ROOT/e40-base-$r SESSIONS=40 SERVERS=argus ARGUS_BIN=$BASE run
done
for r in 1 2; do
	OUT=$OUT_ROOT/vr50-final-$r SESSIONS=1 SUBSCRIBERS=50 SERVERS="janus argus" ARGUS_BIN=$NEW run
	OUT=$OUT_ROOT/vr50-base-$r SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus ARGUS_BIN=$BASE run
done
