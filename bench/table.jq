# table.jq: Markdown table with Argus/Janus ratios from compare.sh's
# *.result.json files:  jq -s -r -f bench/table.jq OUT/*.result.json

	def per_ss: if .sessions_ok > 0 then 1000 * .cpu_s / (.sessions_ok * .duration_s) else null end;
	def r(a; b): if (a == null or b == null or b == 0) then "n/a" else ((a / b * 100 | round) / 100 | tostring) end;
	def f(x): if x == null then "n/a" else ((x * 100 | round) / 100 | tostring) end;
	group_by(.sessions) | map(
		(map(select(.server == "janus")) ) as $j | (map(select(.server == "argus"))) as $a |
		def avg(xs): if (xs | length) == 0 then null else (xs | add / length) end;
		{
			sessions: .[0].sessions,
			j_ok: "\($j | map(.sessions_ok) | add)/\($j | map(.sessions) | add)",
			a_ok: "\($a | map(.sessions_ok) | add)/\($a | map(.sessions) | add)",
			j_sent: avg($j | map(select(.total.offered_packets > 0) | 100 * .total.sent_packets / .total.offered_packets)),
			a_sent: avg($a | map(select(.total.offered_packets > 0) | 100 * .total.sent_packets / .total.offered_packets)),
			j_ccpu: avg($j | map(select(.sessions_ok > 0) | 1000 * .client_cpu_s / (.sessions_ok * .duration_s))),
			a_ccpu: avg($a | map(select(.sessions_ok > 0) | 1000 * .client_cpu_s / (.sessions_ok * .duration_s))),
			j_cpu: avg($j | map(per_ss)), a_cpu: avg($a | map(per_ss)),
			j_pkt: avg($j | map(select(.total.recv_packets > 0) | 1e6 * .cpu_s / .total.recv_packets)),
			a_pkt: avg($a | map(select(.total.recv_packets > 0) | 1e6 * .cpu_s / .total.recv_packets)),
			j_rss: avg($j | map(.rss_max_kb / 1024)), a_rss: avg($a | map(.rss_max_kb / 1024)),
			j_loss: avg($j | map(.total.loss_pct)), a_loss: avg($a | map(.total.loss_pct)),
			j_p50: avg($j | map(.setup.p50_ms)), a_p50: avg($a | map(.setup.p50_ms)),
			j_p95: avg($j | map(.setup.p95_ms)), a_p95: avg($a | map(.setup.p95_ms))
		}
	) |
	("| sessions | server | ok | server CPU ms/session·s | server CPU µs/echoed pkt | RSS max MiB | loss % | setup p50 ms | setup p95 ms | client CPU ms/session·s | sent % of offered |",
	 "|---|---|---|---|---|---|---|---|---|---|---|",
	 (.[] |
		"| \(.sessions) | Janus | \(.j_ok) | \(f(.j_cpu)) | \(f(.j_pkt)) | \(f(.j_rss)) | \(f(.j_loss)) | \(f(.j_p50)) | \(f(.j_p95)) | \(f(.j_ccpu)) | \(f(.j_sent)) |",
		"| \(.sessions) | Argus | \(.a_ok) | \(f(.a_cpu)) | \(f(.a_pkt)) | \(f(.a_rss)) | \(f(.a_loss)) | \(f(.a_p50)) | \(f(.a_p95)) | \(f(.a_ccpu)) | \(f(.a_sent)) |",
		"| \(.sessions) | **Argus/Janus** | | **\(r(.a_cpu; .j_cpu))** | **\(r(.a_pkt; .j_pkt))** | **\(r(.a_rss; .j_rss))** | \(r(.a_loss; .j_loss)) | **\(r(.a_p50; .j_p50))** | **\(r(.a_p95; .j_p95))** | | |"))
