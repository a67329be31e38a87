#!/usr/bin/env bash
# summ.sh TAG...: one table row per run
cd $RES
echo "| run | load avg before | subs up | loss % | never sent by Argus % | load-tool socket % | sent too late % | lag s | publisher sent % of offered | Argus CPU s / peak % | load tool CPU s / peak % | Argus µs per received pkt | RSS MiB | fan-out drops |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for t in "$@"; do
  r=$(ls $t/*.result.json 2>/dev/null | head -1); [ -z "$r" ] && continue
  drops=$(grep -o 'fan-out queues full, packets dropped.*drops=[0-9]*' $t/argus.log | sed 's/.*drops=//' | paste -sd+ | bc 2>/dev/null)
  jq -r --arg t "$t" --arg d "${drops:-0}" '"| \($t) | \(.loadavg_1m_before) | \(.subscribers_ok)/\(.subscribers_per_publisher) | \(.total.loss_pct*100|round/100) | \(.loss_split.pct.not_sent_by_server) | \(.loss_split.pct.load_socket) | \(.loss_split.pct.sent_too_late) | \(.loss_split.window.server_lag_s*10|round/10) | \(100*.total.sent_packets/.total.offered_packets|round) | \(.cpu_s) / \(.server_cpu_peak_pct) | \(.client_cpu_s*100|round/100) / \(.load_cpu_peak_pct) | \(.cpu_s*1e6/.total.recv_packets*10|round/10) | \(.rss_max_kb/1024|round) | \($d) |"' $r
done
