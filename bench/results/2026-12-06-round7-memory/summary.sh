#!/usr/bin/env bash
# One line per server run of ab.sh: load-arm-repeat, server, RSS max MiB,
# server CPU µs per received packet (as bench/table.jq), loss %, sent % of
# offered, the load tool's CPU s.
here=$(cd "$(dirname "$0")" && pwd)
for d in "$here"/ab/*/; do
	for f in "$d"*.result.json; do
		jq -r --arg run "$(basename "$d")" '[$run, .server,
			(.rss_max_kb / 1024 * 10 | round / 10),
			(if .total.recv_packets > 0 then 1e6 * .cpu_s / .total.recv_packets * 100 | round / 100 else null end),
			(.total.loss_pct * 100 | round / 100),
			(if .total.offered_packets > 0 then 100 * .total.sent_packets / .total.offered_packets * 10 | round / 10 else null end),
			.client_cpu_s] | @tsv' "$f"
	done
done
