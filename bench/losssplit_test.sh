#!/usr/bin/env bash
# losssplit_test.sh: bench/losssplit.jq on made-up counter samples whose
# split is known. No root needed: bash bench/losssplit_test.sh
#
# A 15 s window, drain 1 s, samples every 0.5 s. The load tool's 301
# sockets close from t = 20.5 s at 100 per second; the publisher stops at
# 19.5 s, so the window is 4.5 .. 20.5 s. The server sends 30000
# datagrams/s until it stops LAG seconds after the publisher. During the
# window the veth drops 500/s and the load tool's sockets 1000/s (while
# the server sends). expected = 15 s × 30000 + NEVER; received = what
# was sent in time minus the drops minus AFTER.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fail=0

# check name lag never after side: the split within tolerance, and the
# side it names
check() {
	local name=$1 lag=$2 never=$3 after=$4 side=$5 out
	jq -n -c --argjson lag "$lag" '
		def clamp($a; $b): if . < $a then $a elif . > $b then $b else . end;
		range(0; 49) | (. / 2) as $t |
		($t | clamp(3; 19.5 + $lag)) as $ts |
		{t: (1000 + $t), ns_out: (30000 * ($ts - 3) | round), ns_in: 0, ns_inerr: 0, ns_rcvbuf: 0, ns_sndbuf: 0,
		 root_in: 0, root_inerr: 0, root_out: 0, root_rcvbuf: 0, root_sndbuf: 0, ns_rx_pkts: 0, ns_rx_drop: 0,
		 ns_tx_pkts: 0, ns_tx_drop: (500 * ($t | clamp(4.5; 20.5) | . - 4.5) | round), root_rx_pkts: 0, root_rx_drop: 0,
		 root_tx_pkts: 0, root_tx_drop: 0, softnet_drop: 0,
		 load_socks: (if $t < 1 then 0 elif $t <= 20.5 then 301 else ([0, 301 - 100 * ($t - 20.5)] | max | round) end),
		 load_sock_drop: (1000 * ($t | clamp(4.5; [19.5 + $lag, 20.5] | min) | . - 4.5) | round), srv_sock_drop: 0, fwd: null}' >"$tmp/s.jsonl"
	# the window's packets sent in time: 30000/s over 4.5 + lag .. min(19.5 + lag, 20.5)
	jq -n --argjson lag "$lag" --argjson never "$never" --argjson after "$after" '
		([19.5 + $lag, 20.5] | min) as $until |
		(30000 * 15) as $e |
		{duration_s: 15, total: {expected_packets: ($e + $never),
			recv_packets: (30000 * ($until - 4.5 - $lag) - 500 * 16 - 1000 * ($until - 4.5) - $after | round)}}' >"$tmp/load.json"
	out=$(jq -c --slurpfile s "$tmp/s.jsonl" --argjson drain 1 -f "$here/losssplit.jq" "$tmp/load.json")
	local want
	want=$(jq -n -c --argjson lag "$lag" --argjson never "$never" --argjson after "$after" '
		{not_sent_by_server: $never, veth_drops: 8000,
		 load_socket_drops: (1000 * (([19.5 + $lag, 20.5] | min) - 4.5)),
		 sent_too_late: (if $lag > 1 then 30000 * ($lag - 1) else 0 end), after_load_socket: $after}')
	# the server's lag at the window start is not seen: the split may be
	# off there by up to its edge_uncertainty, which must then cover it
	if ! jq -n -e --argjson got "$out" --argjson want "$want" '
		(0.001 * $got.expected + 1) as $tight | ($got.edge_uncertainty + $tight) as $edge |
		[$want | to_entries[] | (($got[.key] - .value) | fabs) <=
			(if .key == "not_sent_by_server" or .key == "after_load_socket" then $edge else $tight end)] | all' >/dev/null; then
		echo "FAIL $name: want $want got $(echo "$out" | jq -c '{not_sent_by_server, veth_drops, load_socket_drops, sent_too_late, after_load_socket, edge_uncertainty, window}')"
		fail=1
	elif [[ $(echo "$out" | jq -r .side) != "$side"* ]]; then
		echo "FAIL $name: side $(echo "$out" | jq -r .side), want $side"
		fail=1
	else
		echo "ok   $name: $(echo "$out" | jq -r .side)"
	fi
	if ! jq -n -e --argjson got "$out" '$got.lost == $got.not_sent_by_server + $got.server_socket_send_drops + $got.sent_too_late + $got.veth_drops + $got.load_socket_drops + $got.after_load_socket' >/dev/null; then
		echo "FAIL $name: the parts do not add up to the loss"
		fail=1
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check "server keeps up, load tool reads late" 0 0 2000 "load tool (socket"
check "server never sends 10 %" 0 45000 0 "server (never sent)"
check "the load tool loses 9 % after its socket" 0 0 40000 "load tool after the socket"
check "server 1.5 s behind: sends after the window" 1.5 0 0 "load tool (socket"
check "server 1.5 s behind and never sends 20 %" 1.5 90000 1000 "server (never sent)"
exit "$fail"
