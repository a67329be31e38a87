#!/usr/bin/env bash
# Telemetry A/B of Run I: EchoTest 40, plain Argus and Argus with every sink on,
# the previous landing (BASE_BIN, 6a37cd9) and Run I's build (NEW_BIN) interleaved.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
export DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1 SESSIONS=40 SERVERS="argus argus-tel" REPEAT=1 WARMUP=0 SPLIT=0 LOAD_BIN=${LOAD_BIN:?}
for i in 1 2; do
  for v in base new; do
    bin=${NEW_BIN:?}; [ $v = base ] && bin=${BASE_BIN:?}
    echo "$v-$i $(uptime)"
    ARGUS_BIN=$bin OUT=bench/results/2026-12-06-runI/telab/telab-$v-$i bench/compare.sh 2>&1 | grep -E 'compare.sh: argus' | sed "s/^/$v-$i /"
  done
done
