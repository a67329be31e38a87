#!/usr/bin/env bash
cd .
L=$LOCK
while pgrep -f plan.sh >/dev/null; do sleep 5; done
flock $L $RES/run.sh new300-2 $BIN/argus $BIN/load 300
flock $L $RES/run.sh base300-2 $BIN/base-argus $BIN/base-load 300
ex() { tag=$1; shift
  flock $L env "$@" LOAD_BIN=$BIN/load SERVER_CPU='' LOAD_CPU='' OUT=$RES/$tag SESSIONS=1 SUBSCRIBERS=500 SERVERS=argus REPEAT=1 WARMUP=0 DURATION=15s RAMP=5s \
    bash -c 'echo "'$tag' $(uptime)" >> $RES/load.txt; bench/compare.sh > $RES/'$tag'.out 2>&1; echo "'$tag' end $(uptime)" >> $RES/load.txt'
}
ex new500-gmp1 ARGUS_BIN=$BIN/argus-gmp1 LOAD_ARGS="-setup-timeout 60s"
ex new500-udp-sp ARGUS_BIN=$BIN/argus ARGUS_ARGS="-ice-udp-port 20000" LOAD_ARGS="-setup-timeout 60s -shared-port"
echo done
