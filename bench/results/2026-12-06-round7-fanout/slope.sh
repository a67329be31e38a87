#!/usr/bin/env bash
# slope.sh: load-tool CPU per received packet, shared port vs not, 1->N on loopback,
# Argus (base build) on CPU 0, the load tool on CPU 1; slope between two durations.
set -u
N=${N:-100}
taskset -c 0 $BIN/base-argus -ws 127.0.0.1:18188 -http "" -admin "" -admin-ws "" -log-level warn -max-conns-per-ip 0 -metrics=false -history=false > $RES/slope-argus.log 2>&1 &
apid=$!
sleep 1
for rep in 1 2; do
for sp in true false; do
for d in 4s 14s; do
  echo "$(date +%T) $(cut -d' ' -f1-3 /proc/loadavg) sp=$sp d=$d $(taskset -c 1 $BIN/load -url ws://127.0.0.1:18188/ -mode videoroom -sessions 1 -subscribers $N -duration $d -ramp 1s -ice-loopback -setup-timeout 30s -shared-port=$sp | jq -c '[.total.recv_packets, .client_cpu_s, .total.loss_pct, .total.sent_packets, .total.offered_packets]')"
done; done; done
kill $apid; wait $apid
