#!/usr/bin/env bash
# Round 12 A/B: a socket per PeerConnection (then the default) against the
# shared port (-ice-udp-port 20000), interleaved, Argus and argus-load of
# commit ddaa008. Run as root from the repository root with ARGUS_BIN and
# LOAD_BIN set; results in $out.
set -u
out=${OUT:-bench/results/round12}; mkdir -p "$out"
export ARGUS_BIN LOAD_BIN DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1
mark() { printf '%s %s\n' "$1" "$(uptime)" | tee -a "$out/load.txt"; }
run() { # name args...
  local name=$1; shift
  mark "$name"
  env "$@" bench/compare.sh > "$out/$name.log" 2>&1 || echo "FAIL $name"
}
run e80-janus   OUT=$out/e80-janus SPLIT=0 SESSIONS=80 SERVERS=janus REPEAT=1 WARMUP=1
for i in 1 2; do
  run e80-pc-$i     OUT=$out/e80-pc-$i SPLIT=0 SESSIONS=80 SERVERS=argus REPEAT=1 WARMUP=0
  run e80-sh-$i     OUT=$out/e80-sh-$i SPLIT=0 SESSIONS=80 SERVERS=argus REPEAT=1 WARMUP=0 ARGUS_ARGS="-ice-udp-port 20000"
done
run e40-janus   OUT=$out/e40-janus SPLIT=0 SESSIONS=40 SERVERS=janus REPEAT=1 WARMUP=0
for i in 1 2; do
  run e40-sh-$i     OUT=$out/e40-sh-$i SPLIT=0 SESSIONS=40 SERVERS=argus REPEAT=1 WARMUP=0 ARGUS_ARGS="-ice-udp-port 20000"
  run e40-pc-$i     OUT=$out/e40-pc-$i SPLIT=0 SESSIONS=40 SERVERS=argus REPEAT=1 WARMUP=0
done
for i in 1 2; do
  run vr50-sh-$i  OUT=$out/vr50-sh-$i SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus REPEAT=1 WARMUP=0 ARGUS_ARGS="-ice-udp-port 20000"
  run vr50-pc-$i  OUT=$out/vr50-pc-$i SESSIONS=1 SUBSCRIBERS=50 SERVERS=argus REPEAT=1 WARMUP=0
done
run vr300-pc OUT=$out/vr300-pc SESSIONS=1 SUBSCRIBERS=300 SERVERS=argus REPEAT=1 WARMUP=0 LOAD_ARGS="-setup-timeout 40s"
run vr300-sh OUT=$out/vr300-sh SESSIONS=1 SUBSCRIBERS=300 SERVERS=argus REPEAT=1 WARMUP=0 LOAD_ARGS="-setup-timeout 40s" ARGUS_ARGS="-ice-udp-port 20000"
mark end
