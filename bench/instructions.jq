# instructions.jq: instructions per received packet from compare.sh's
# VALGRIND=1 results at two (or more) DURATIONs of the same load:
#   jq -s -r -f bench/instructions.jq OUT-10s/*.result.json OUT-40s/*.result.json
# Per server and load, the slope between the shortest and the longest run:
# (instructions_long - instructions_short) / (packets_long - packets_short),
# so what every run pays once (process start, session setup, teardown)
# cancels, and what remains is the cost per packet at that packet rate
# (timers that tick per second, such as RTCP reports and media
# statistics, included). "packets" is what the load tool received: echoed
# packets for EchoTest, packets delivered to subscribers in the measurement
# window for VideoRoom. With argus-tel among the servers, a second table:
# every telemetry sink on against off, per packet and per run (fixed).

def subs: (.subscribers // .subscribers_per_publisher // 0);
def r(a; b): if (a == null or b == null or b == 0) then "n/a" else ((a / b * 100 | round) / 100 | tostring) end;
def slope(rs): (rs | sort_by(.duration_s)) as $s | ($s[0]) as $a | ($s[-1]) as $b |
	if ($s | length) < 2 or $b.total.recv_packets == $a.total.recv_packets then null
	else ($b.instructions - $a.instructions) / ($b.total.recv_packets - $a.total.recv_packets) end;
def loss(rs): rs | map(.total.loss_pct) | max;
# fixed(rs): what a run pays whatever its length (process start, session
# setup and teardown): the shortest run's count less its packets' share.
def fixed(rs): slope(rs) as $k | (rs | sort_by(.duration_s) | .[0]) as $a |
	if $k == null then null else $a.instructions - $k * $a.total.recv_packets end;
def n(x): x // "n/a" | if type == "number" then round else . end;
group_by([.sessions, subs]) | map(
	(if (.[0] | subs) > 0 then "VideoRoom \(.[0].sessions) → \(.[0] | subs)" else "EchoTest \(.[0].sessions)" end) as $load |
	(map(select(.server == "janus"))) as $j | (map(select(.server == "argus"))) as $a | (map(select(.server == "argus-tel"))) as $t |
	{load: $load, j: slope($j), a: slope($a), t: slope($t), jl: loss($j), al: loss($a), tl: loss($t),
	 fa: fixed($a), ft: fixed($t), sessions: .[0].sessions,
	 jp: ($j | map(.total.recv_packets) | join(" / ")), ap: ($a | map(.total.recv_packets) | join(" / ")),
	 tp: ($t | map(.total.recv_packets) | join(" / "))}
) |
("| load | Janus instructions/pkt | Argus instructions/pkt | **Argus/Janus** | packets Janus (runs) | packets Argus (runs) | max loss % Janus / Argus |",
 "|---|---|---|---|---|---|---|",
 (.[] | select(.j != null or .a != null) | "| \(.load) | \(n(.j)) | \(n(.a)) | **\(r(.a; .j))** | \(.jp) | \(.ap) | \(.jl) / \(.al) |")),
# SERVERS with argus-tel: every telemetry sink on against off.
(if any(.[]; .t != null) then
 "",
 "| load | Argus instructions/pkt off | on (all telemetry) | **on/off** | fixed per run off → on (per session) | packets off / on (runs) | max loss % off / on |",
 "|---|---|---|---|---|---|---|",
 (.[] | select(.t != null) | "| \(.load) | \(n(.a)) | \(n(.t)) | **\(r(.t; .a))** | \(n(.fa)) → \(n(.ft)) (\(if .fa and .ft then n((.ft - .fa) / .sessions) else "n/a" end) more) | \(.ap) / \(.tp) | \(.al) / \(.tl) |")
 else empty end)
