#!/usr/bin/env bash
# Round 6 fan-out history A/B: VideoRoom 1 -> 300 (Argus on CPU 0, the load
# tool on CPU 1) and 1 -> 500 (nothing pinned), the lines of
# bench/doneloads.sh with SERVERS=argus, the base build (BASE_BIN, main at
# aec0439) and the shared-history build (NEW_BIN) interleaved, rounds FIRST
# to LAST (default 1 to 1); the loss split (SPLIT=1) is on. LOADS picks the
# blocks ("300 500" by default). As run: FIRST=1 LAST=2 LOADS=300, then
# FIRST=1 LAST=1 LOADS="500" and FIRST=3 LAST=3 LOADS=300, FIRST=2 LAST=2
# LOADS=500 VARIANTS="new port base", FIRST=4 LAST=4 LOADS=300. VARIANTS picks
# the builds ("base new"); "port" is the new build with the shared ICE UDP
# port and its batched sends (ARGUS_ARGS="-ice-udp-port 20000"), run as
# FIRST=1 LAST=1 VARIANTS=port.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=bench/results/2026-12-06-round6-fanout-history
export DURATION=15s RAMP=5s SESSIONS=1 SERVERS=argus REPEAT=1 WARMUP=0 LOAD_BIN=${LOAD_BIN:?}
for i in $(seq "${FIRST:-1}" "${LAST:-1}"); do
  for n in ${LOADS:-300 500}; do
    for v in ${VARIANTS:-base new}; do
      bin=${NEW_BIN:?}; [ $v = base ] && bin=${BASE_BIN:?}
      export ARGUS_ARGS=; [ $v = port ] && export ARGUS_ARGS="-ice-udp-port 20000"
      echo "vr-$n-$v-$i $(cat /proc/loadavg)" | tee -a $out/load.txt
      if [ "$n" = 500 ]; then
        SERVER_CPU='' LOAD_CPU='' SUBSCRIBERS=500 LOAD_ARGS="-setup-timeout 60s" ARGUS_BIN=$bin OUT=$out/vr-$n-$v-$i bench/compare.sh 2>&1 | tail -25
      else
        SERVER_CPU=0 LOAD_CPU=1 SUBSCRIBERS=$n LOAD_ARGS="-setup-timeout 40s" ARGUS_BIN=$bin OUT=$out/vr-$n-$v-$i bench/compare.sh 2>&1 | tail -25
      fi
    done
  done
done
