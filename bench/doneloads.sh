#!/usr/bin/env bash
# doneloads.sh OUTDIR: every load issue 11's "done means" names, in one
# run, Janus and Argus interleaved (bench/compare.sh), the servers on CPU
# 0 and the load tool on CPU 1 unless said otherwise; results, logs and
# the load average at each block's start (load.txt) go to OUTDIR. Run as
# root from the repository root, with ARGUS_BIN and LOAD_BIN built from
# the commit under test. Runs H and I of docs/BENCHMARKS.md (Run H with
# this script as of commit 7ab75cb, then bench/results/2026-12-06-runH/
# run.sh, before the loss split existed).
#
# EchoTest blocks run with SPLIT=0: Argus with -metrics=false, so that
# "all telemetry off" is off against argus-tel; TEL_REPEAT (default 6) more
# telemetry pairs follow the EchoTest 40 block (bench/telab.jq reads both). VideoRoom blocks say where
# lost packets were lost (SPLIT=1, Argus's /metrics read every 0.5 s).
# budget.md: the CPU full delivery at 1 -> 500 takes (bench/budget.jq).
set -euo pipefail
out=${1:?usage: bench/doneloads.sh OUTDIR}
mkdir -p "$out"
export DURATION=${DURATION:-15s} RAMP=${RAMP:-5s} SERVER_CPU=${SERVER_CPU-0} LOAD_CPU=${LOAD_CPU-1}
mark() { printf '%s %s\n' "$1" "$(uptime)" | tee -a "$out/load.txt"; }
mark echo-40
SPLIT=0 OUT=$out/echo-40 SESSIONS=40 SERVERS="janus argus argus-tel" REPEAT=2 bench/compare.sh
mark tel-40
# More telemetry pairs (argus against argus-tel, all sinks on): single pairs
# spread more than the 5 % goal, so the median wants more than two.
SPLIT=0 OUT=$out/tel-40 SESSIONS=40 SERVERS="argus argus-tel" REPEAT=${TEL_REPEAT:-6} WARMUP=0 bench/compare.sh
mark vr-50
OUT=$out/vr-50 SESSIONS=1 SUBSCRIBERS=50 SERVERS="janus argus" REPEAT=2 WARMUP=0 bench/compare.sh
mark echo-80
SPLIT=0 OUT=$out/echo-80 SESSIONS=80 SERVERS="janus argus" REPEAT=2 WARMUP=0 bench/compare.sh
mark vr-100
OUT=$out/vr-100 SESSIONS=1 SUBSCRIBERS=100 SERVERS="janus argus" REPEAT=2 WARMUP=0 bench/compare.sh
mark vr-300
OUT=$out/vr-300 SESSIONS=1 SUBSCRIBERS=300 SERVERS="janus argus" REPEAT=1 WARMUP=0 \
	LOAD_ARGS="-setup-timeout 40s" bench/compare.sh
mark vr-500
# 1 -> 500: nothing pinned (Argus may use both cores, the load tool shares them).
SERVER_CPU='' LOAD_CPU='' OUT=$out/vr-500 SESSIONS=1 SUBSCRIBERS=500 SERVERS="janus argus" REPEAT=1 WARMUP=0 \
	LOAD_ARGS="-setup-timeout 60s" bench/compare.sh
mark vr-300-per-pc
# 1 -> 300 on one core with Janus's socket per PeerConnection
# (-ice-udp-shared=false) instead of Argus's default shared port: Argus only.
OUT=$out/vr-300-per-pc SESSIONS=1 SUBSCRIBERS=300 SERVERS=argus REPEAT=1 WARMUP=0 \
	ARGUS_ARGS="-ice-udp-shared=false" LOAD_ARGS="-setup-timeout 40s" bench/compare.sh
mark end
# What full delivery at 1 -> 500 needs of the host's cores, server and
# load tool together, from the costs of the lossless VideoRoom runs.
jq -s -r --argjson cores "$(nproc)" -f bench/budget.jq \
	"$out"/vr-50/*.result.json "$out"/vr-100/*.result.json \
	"$out"/vr-300/*.result.json "$out"/vr-500/*.result.json | tee "$out/budget.md"
