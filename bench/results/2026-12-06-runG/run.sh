#!/usr/bin/env bash
# Run G (issue 11): the lighter load tool (no hidden pion interceptors in
# the clients) against Janus and Argus, interleaved, servers on CPU 0 and
# the load tool on CPU 1 unless said otherwise. Run as root from the repo
# root with ARGUS_BIN and LOAD_BIN built from the commit under test; TAG
# suffixes the output directories (a second batch).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DURATION=15s RAMP=5s
uptime | tee -a "$here/load.txt"
OUT=$here/vr-300${TAG:-} SERVER_CPU=0 LOAD_CPU=1 SESSIONS=1 SUBSCRIBERS=300 SERVERS="janus argus" REPEAT=1 \
	LOAD_ARGS="-setup-timeout 40s" bench/compare.sh
uptime | tee -a "$here/load.txt"
OUT=$here/echo-80${TAG:-} SERVER_CPU=0 LOAD_CPU=1 SESSIONS=80 SERVERS="janus argus" REPEAT=2 bench/compare.sh
uptime | tee -a "$here/load.txt"
OUT=$here/vr-100${TAG:-} SERVER_CPU=0 LOAD_CPU=1 SESSIONS=1 SUBSCRIBERS=100 SERVERS="janus argus" REPEAT=2 WARMUP=0 bench/compare.sh
uptime | tee -a "$here/load.txt"
# 1 -> 500: nothing pinned (Argus may use both cores, the load tool shares them).
OUT=$here/vr-500${TAG:-} SESSIONS=1 SUBSCRIBERS=500 SERVERS="janus argus" REPEAT=1 WARMUP=0 \
	LOAD_ARGS="-setup-timeout 60s" bench/compare.sh
uptime | tee -a "$here/load.txt"
