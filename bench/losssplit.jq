# losssplit.jq: where the packets the load tool missed were lost, from the
# counters compare.sh sampled during a run (bench/counters.awk, one line
# every ~0.5 s) and the load tool's result:
#
#   jq --slurpfile s RUN.samples.jsonl --argjson drain 1 -f bench/losssplit.jq RUN.load.json
#
# prints the result's "loss_split" object.
#
# The window: argus-load counts what the publisher sends over duration_s
# after every subscriber is up and what of it arrives until drain seconds
# after sending stopped; then it tears down, closing its sockets. So the
# window ends where the load tool's sockets start to close (load_socks
# falls below its plateau), placed inside that sampling interval by the
# rate at which they close in the next one. When the server keeps up, the
# end of sending shows more sharply in the server's sent datagrams
# (ns_out falling from its steady rate, interpolated by the share of the
# steady rate in the interval where it fell): that time plus drain is used
# when it falls inside the same sampling interval. The window starts
# drain + duration_s before its end; counters are interpolated linearly
# at the edges.
#
# The server's lag (server_lag_s) is how long after the load tool stopped
# sending the server's sending fell. The window's packets are taken as the
# server's datagrams over the window shifted by that lag (at the start by
# half of it: how the lag built up is not seen); those sent after the
# load tool stopped counting are sent_too_late. edge_uncertainty (half a
# sampling interval plus half the lag, at the send rate) is how far the
# split can be off because of where the edges fell.
#
# Argus's forwarded counter comes from media reports, one per
# PeerConnection per second (-stats-period) and one at hangup, so it moves
# in steps too coarse to cut a window from: it is compared with the
# kernel's count of the server's datagrams over the whole run instead
# (first sample, before any session, to the last, after the hangups),
# which says whether the kernel count stands for what Argus sent (the
# difference is RTCP and STUN).
def lerp($t; $k):
	($s | map(select(.[$k] != null))) as $xs |
	if ($xs | length) == 0 then null
	elif $t <= $xs[0].t then $xs[0][$k]
	elif $t >= $xs[-1].t then $xs[-1][$k]
	else
		(first(range(1; $xs | length) | select($xs[.].t >= $t))) as $i |
		$xs[$i - 1] as $a | $xs[$i] as $b |
		$a[$k] + ($b[$k] - $a[$k]) * ($t - $a.t) / ($b.t - $a.t)
	end;
# last sample at or before $t (socket counters: sockets closed at teardown
# take their counts with them, so never read past the window)
def before($t; $k): ([$s[] | select(.t <= $t)] | last // $s[0]) | .[$k];
def rates($k): [range(1; $s | length) as $i | {i: $i, r: (($s[$i][$k] - $s[$i - 1][$k]) / ($s[$i].t - $s[$i - 1].t))}];
# stop($k): time the steady rate of counter $k ended, or null
def stop($k):
	rates($k) as $r | ($r | map(.r) | max // 0) as $max |
	($r | map(select(.r >= 0.5 * $max)) | map(.r) | sort | .[length / 2 | floor] // 0) as $steady |
	if $steady < 100 then null else
		($r | map(select(.r >= 0.5 * $max)) | last | .i) as $h |
		if $h + 1 >= ($s | length) then null else
			($r[$h].r / $steady | if . > 1 then 1 else . end) as $frac |
			$s[$h].t + $frac * ($s[$h + 1].t - $s[$h].t)
		end
	end;
def d($k; $a; $b): if (lerp($a; $k) == null) then null else (lerp($b; $k) - lerp($a; $k) | round) end;
def pct($x; $e): if $e > 0 and $x != null then (1000 * $x / $e | round) / 10 else null end;

. as $load |
if ($s | length) < 3 then {error: "fewer than 3 counter samples"} else
($s | map(.load_socks) | max) as $max |
# the plateau: the median count while most sockets were open (setup may
# briefly hold a few more); the window ends after the last sample on it
($s | map(.load_socks | select(. >= 0.5 * $max)) | sort | .[length / 2 | floor]) as $plateau |
([range(0; $s | length) | select($s[.].load_socks >= $plateau - ([2, 0.02 * $plateau] | max))] | last + 1) as $j |
if $j >= ($s | length) or $max == 0 then {error: "the load tool's sockets never closed in the samples"} else
($s[$j - 1].t) as $ta | ($s[$j].t) as $tb |
($plateau - $s[$j].load_socks) as $closed |
(if $j + 1 < ($s | length) and $s[$j + 1].t - $tb < 1.5 then ($s[$j].load_socks - $s[$j + 1].load_socks) / ($s[$j + 1].t - $tb) else 0 end) as $rate |
(if $rate > 0 and $closed / $rate <= $tb - $ta then $tb - $closed / $rate else ($ta + $tb) / 2 end) as $tsock |
(stop("ns_out") | if . then . + $drain else null end) as $trate |
(if $trate != null and $trate >= $ta and $trate <= $tb then {t: $trate, by: "end of the server's sending (ns_out) + drain"}
	else {t: $tsock, by: "the load tool's sockets closing"} end) as $wend |
($wend.t) as $t1 | ($t1 - $drain - $load.duration_s) as $t0 |
($load.total.expected_packets) as $e | ($load.total.recv_packets) as $r | ($e - $r) as $lost |
# The server's lag: how long after the load tool stopped sending the
# server's sending fell (0 when it kept up). Window packets are taken as
# the server's datagrams over the window shifted by the lag; those sent
# after the load tool stopped counting arrived too late.
(stop("ns_out") as $ts | if $ts == null then 0 else ([0, $ts - ($t1 - $drain)] | max) end) as $lag |
# The lag at the window's start is not seen (a server falling behind
# builds it up): half the end's lag is taken, and the other half widens
# the edges' uncertainty.
(lerp($t1 - $drain + $lag; "ns_out") - lerp($t0 + $lag / 2; "ns_out") | round) as $sent |
(if $lag > $drain then lerp($t1 - $drain + $lag; "ns_out") - lerp($t1; "ns_out") | round else 0 end) as $late |
d("ns_sndbuf"; $t0; $t1) as $snd |
d("ns_tx_drop"; $t0; $t1) as $veth |
(before($t1; "load_sock_drop") - lerp($t0; "load_sock_drop") | round) as $sock |
(if ($s[0].fwd != null and $s[-1].fwd != null) then $s[-1].fwd - $s[0].fwd else null end) as $fwd |
($e - $sent - $snd) as $unsent |
# half a sampling interval of the window's send rate: how far the split
# can be off because of where the window's edges fell
($sent / $load.duration_s * (($s[-2].t - $s[0].t) / ($s | length - 2) / 2 + $lag / 2) | round) as $edge |
($sent - $late - $veth - $sock - $r) as $after |
{
	window: {start: $t0, end: $t1, found_by: $wend.by, end_interval: [$ta, $tb], server_lag_s: $lag,
		samples_in_window: ([$s[] | select(.t >= $t0 and .t <= $t1)] | length),
		starts_after_first_sample: ($t0 >= $s[0].t)},
	expected: $e, received: $r, lost: $lost,
	server_kernel_sent: $sent,
	not_sent_by_server: $unsent,
	sent_too_late: $late,
	edge_uncertainty: $edge,
	run: {server_said_sent: $fwd, server_kernel_sent: ($s[-1].ns_out - $s[0].ns_out),
		metrics_vs_kernel_pct: (if $fwd == null or $fwd == 0 then null else (1000 * ($s[-1].ns_out - $s[0].ns_out - $fwd) / $fwd | round) / 10 end)},
	server_socket_send_drops: $snd,
	server_socket_recv_drops: d("ns_rcvbuf"; $t0; $t1),
	server_socket_drops_all: d("srv_sock_drop"; $t0; $t1),
	veth_drops: $veth,
	veth_drops_other_way: d("root_tx_drop"; $t0; $t1),
	softnet_backlog_drops: d("softnet_drop"; $t0; $t1),
	load_socket_drops: $sock,
	load_sockets: before($t1; "load_socks"),
	root_rcvbuf_errors: d("root_rcvbuf"; $t0; $t1),
	root_delivered: d("root_in"; $t0; $t1),
	after_load_socket: $after,
	pct: {not_sent_by_server: pct($unsent; $e), server_kernel: pct($snd; $e), veth: pct($veth; $e),
		load_socket: pct($sock; $e), after_load_socket: pct($after; $e), lost: pct($lost; $e),
		edge_uncertainty: pct($edge; $e), sent_too_late: pct($late; $e)}
} |
.side = (
	if .lost <= 0.001 * .expected then "none: nothing lost"
	elif .lost <= .edge_uncertainty then "not attributable: the loss is within the edges' uncertainty"
	else
		[{k: "server (never sent)", v: .not_sent_by_server}, {k: "server kernel (send buffer)", v: .server_socket_send_drops},
		 {k: "server (sent after the load tool stopped counting: lagged more than the drain)", v: .sent_too_late},
		 {k: "veth backlog between the namespaces", v: .veth_drops},
		 {k: "load tool (socket receive buffer full: read too late)", v: .load_socket_drops},
		 {k: "load tool after the socket (or the wire)", v: .after_load_socket}]
		# the two remainders are only known within the edges' uncertainty
		| map(if .k | test("never sent|after the socket") then .eff = .v - $edge else .eff = .v end)
		| max_by(.eff) | "\(.k): \(pct(.v; $e))% of expected"
	end)
end end
