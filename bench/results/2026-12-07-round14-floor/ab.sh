#!/usr/bin/env bash
set -u
# Round 14: how low Argus's RSS goes with the GC at its tightest.
# Run as root from the repository root with ARGUS_BIN, PROBE_BIN (the same
# commit built with -tags memprobe) and LOAD_BIN set.
out=${OUT:-bench/results/round14}; mkdir -p "$out"
PROBE_DIR=${PROBE_DIR:-$out}
export ARGUS_BIN LOAD_BIN DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1
run() { local name=$1; shift; printf '%s %s\n' "$name" "$(uptime)" >> "$out/load.txt"; env "$@" bench/compare.sh > "$out/$name.log" 2>&1 || echo "FAIL $name"; }
# load NAME ARGS...: Janus once, then the three Argus arms interleaved, twice.
load() {
  local name=$1; shift
  run $name-janus OUT=$out/$name-janus SERVERS=janus REPEAT=1 WARMUP=0 "$@"
  for i in 1 2; do
    run $name-base-$i  OUT=$out/$name-base-$i  SERVERS=argus REPEAT=1 WARMUP=0 "$@"
    run $name-tight-$i OUT=$out/$name-tight-$i SERVERS=argus REPEAT=1 WARMUP=0 GOGC=5 GODEBUG=adaptivestackstart=0 "$@"
    run $name-gc20-$i  OUT=$out/$name-gc20-$i  SERVERS=argus REPEAT=1 WARMUP=0 GOGC=20 "$@"
  done
}
load e40 SPLIT=0 SESSIONS=40
load vr50 SESSIONS=1 SUBSCRIBERS=50
# Where the memory is: the memprobe build, once per load, default GC and tight GC.
for arm in base tight; do
  extra=""; [ $arm = tight ] && extra="GOGC=5 GODEBUG=adaptivestackstart=0"
  run e40-probe-$arm OUT=$out/e40-probe-$arm SPLIT=0 SESSIONS=40 SERVERS=argus REPEAT=1 WARMUP=0 ARGUS_BIN=$PROBE_BIN ARGUS_MEMPROBE=$PROBE_DIR/r14-e40-$arm.probe $extra
  run vr50-probe-$arm OUT=$out/vr50-probe-$arm SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus REPEAT=1 WARMUP=0 ARGUS_BIN=$PROBE_BIN ARGUS_MEMPROBE=$PROBE_DIR/r14-vr50-$arm.probe $extra
done
# The finer heap profile of the tight arm (run after the above):
#   ARGUS_BIN=$PROBE_BIN ... OUT=$out/e40-probe8k-tight SPLIT=0 SESSIONS=40 SERVERS=argus REPEAT=1 WARMUP=0 \
#   GOGC=5 GODEBUG=adaptivestackstart=0 ARGUS_MEMPROBE=$PROBE_DIR/r14-e40-8k.probe ARGUS_MEMPROFILERATE=8192 bench/compare.sh
# Owners: go tool pprof -traces -sample_index=inuse_space $PROBE_BIN FILE.heap | python3 owner.py
#         python3 gor.py FILE.goroutines
