# table.jq: Markdown table with ratios from compare.sh's *.result.json files:
#   jq -s -r -f bench/table.jq OUT/*.result.json
# One block per load (sessions, videoroom subscribers): a row per server
# (means over the repeats), then Argus/Janus and, when it ran,
# Argus-with-telemetry/Argus.

	def subs: (.subscribers // .subscribers_per_publisher // 0);
	def per_ss: if .sessions_ok > 0 then 1000 * .cpu_s / (.sessions_ok * .duration_s) else null end;
	def r(a; b): if (a == null or b == null or b == 0) then "n/a" else ((a / b * 100 | round) / 100 | tostring) end;
	def f(x): if x == null then "n/a" else ((x * 100 | round) / 100 | tostring) end;
	def avg(xs): if (xs | length) == 0 then null else (xs | add / length) end;
	def stats(rs): {
		ok: ("\(rs | map(.sessions_ok) | add)/\(rs | map(.sessions) | add)"
			+ (if (rs[0] | subs) > 0 then " (subs \(rs | map(.subscribers_ok) | add)/\(rs | map(subs * .sessions) | add))" else "" end)),
		sent: avg(rs | map(select(.total.offered_packets > 0) | 100 * .total.sent_packets / .total.offered_packets)),
		ccpu: avg(rs | map(select(.sessions_ok > 0) | 1000 * .client_cpu_s / (.sessions_ok * .duration_s))),
		cpu: avg(rs | map(per_ss)),
		pkt: avg(rs | map(select(.total.recv_packets > 0) | 1e6 * .cpu_s / .total.recv_packets)),
		rss: avg(rs | map(.rss_max_kb / 1024)),
		loss: avg(rs | map(.total.loss_pct)),
		p50: avg(rs | map(if subs > 0 then .subscriber_setup.p50_ms else .setup.p50_ms end)),
		p95: avg(rs | map(if subs > 0 then .subscriber_setup.p95_ms else .setup.p95_ms end))
	};
	def row(load; name; x): "| \(load) | \(name) | \(x.ok) | \(f(x.cpu)) | \(f(x.pkt)) | \(f(x.rss)) | \(f(x.loss)) | \(f(x.p50)) | \(f(x.p95)) | \(f(x.ccpu)) | \(f(x.sent)) |";
	def ratio(load; name; a; b): "| \(load) | **\(name)** | | **\(r(a.cpu; b.cpu))** | **\(r(a.pkt; b.pkt))** | **\(r(a.rss; b.rss))** | | **\(r(a.p50; b.p50))** | **\(r(a.p95; b.p95))** | | |";
	group_by([.sessions, subs]) | map(
		(if (.[0] | subs) > 0 then "VideoRoom \(.[0].sessions) → \(.[0] | subs)" else "EchoTest \(.[0].sessions)" end) as $load |
		(map(select(.server == "janus"))) as $j | (map(select(.server == "argus"))) as $a | (map(select(.server == "argus-tel"))) as $t |
		{load: $load, j: (if ($j | length) > 0 then stats($j) else null end),
		 a: (if ($a | length) > 0 then stats($a) else null end),
		 t: (if ($t | length) > 0 then stats($t) else null end)}
	) |
	("| load | server | ok | server CPU ms/session·s | server CPU µs/received pkt | RSS max MiB | loss % | setup p50 ms | setup p95 ms | client CPU ms/session·s | sent % of offered |",
	 "|---|---|---|---|---|---|---|---|---|---|---|",
	 (.[] | . as $g |
		(if $g.j then row($g.load; "Janus"; $g.j) else empty end),
		(if $g.a then row($g.load; "Argus"; $g.a) else empty end),
		(if $g.t then row($g.load; "Argus, all telemetry"; $g.t) else empty end),
		(if $g.j and $g.a then ratio($g.load; "Argus/Janus"; $g.a; $g.j) else empty end),
		(if $g.a and $g.t then ratio($g.load; "telemetry on/off"; $g.t; $g.a) else empty end)))
