#!/usr/bin/env bash
# Run I (issue 11): every done-means load in one run, Janus and Argus
# interleaved, servers on CPU 0 and the load tool on CPU 1 unless said
# otherwise. Run as root from the repo root with ARGUS_BIN and LOAD_BIN
# built from the commit under test. EchoTest runs with SPLIT=0 (Argus with
# -metrics=false, so "all telemetry off" is off); VideoRoom runs with the
# loss split (Argus's /metrics read every 0.5 s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1
mark() { printf '%s %s\n' "$1" "$(uptime)" | tee -a "$here/load.txt"; }
mark echo-40
SPLIT=0 OUT=$here/echo-40 SESSIONS=40 SERVERS="janus argus argus-tel" REPEAT=2 bench/compare.sh
mark vr-50
OUT=$here/vr-50 SESSIONS=1 SUBSCRIBERS=50 SERVERS="janus argus" REPEAT=2 WARMUP=0 bench/compare.sh
mark echo-80
SPLIT=0 OUT=$here/echo-80 SESSIONS=80 SERVERS="janus argus" REPEAT=2 WARMUP=0 bench/compare.sh
mark vr-100
OUT=$here/vr-100 SESSIONS=1 SUBSCRIBERS=100 SERVERS="janus argus" REPEAT=2 WARMUP=0 bench/compare.sh
mark vr-300
OUT=$here/vr-300 SESSIONS=1 SUBSCRIBERS=300 SERVERS="janus argus" REPEAT=1 WARMUP=0 \
	LOAD_ARGS="-setup-timeout 40s" bench/compare.sh
mark vr-500
# 1 -> 500: nothing pinned (Argus may use both cores, the load tool shares them).
SERVER_CPU= LOAD_CPU= OUT=$here/vr-500 SESSIONS=1 SUBSCRIBERS=500 SERVERS="janus argus" REPEAT=1 WARMUP=0 \
	LOAD_ARGS="-setup-timeout 60s" bench/compare.sh
mark end
