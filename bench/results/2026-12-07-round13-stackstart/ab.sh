#!/usr/bin/env bash
set -u
# Run as root from the repository root with ARGUS_BIN and LOAD_BIN set (Run P's binaries, commit 0220a34).
out=${OUT:-bench/results/round13}; mkdir -p $out
export ARGUS_BIN LOAD_BIN DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1
run() { local name=$1; shift; printf '%s %s\n' "$name" "$(uptime)" >> $out/load.txt; env "$@" bench/compare.sh > "$out/$name.log" 2>&1 || echo "FAIL $name"; }
for i in 1 2 3; do
  run e40-base-$i OUT=$out/e40-base-$i SPLIT=0 SESSIONS=40 SERVERS=argus REPEAT=1 WARMUP=0
  run e40-stk-$i  OUT=$out/e40-stk-$i  SPLIT=0 SESSIONS=40 SERVERS=argus REPEAT=1 WARMUP=0 GODEBUG=adaptivestackstart=0
done
for i in 1 2; do
  run vr50-stk-$i  OUT=$out/vr50-stk-$i SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus REPEAT=1 WARMUP=0 GODEBUG=adaptivestackstart=0
  run vr50-base-$i OUT=$out/vr50-base-$i SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus REPEAT=1 WARMUP=0
done
