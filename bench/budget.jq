# budget.jq: the CPU a VideoRoom fan-out load needs, server and load tool
# together, against the cores the host has. From compare.sh's
# *.result.json files of the VideoRoom blocks of one run:
#   jq -s -r --argjson cores "$(nproc)" -f bench/budget.jq OUT/vr-*/*.result.json
# Per block and server: µs of CPU per packet the load tool received, for
# the server and for the load tool (runs with less than 1 % loss only: a
# starved run's figures are inflated by contention), and the packet rate
# full delivery of the biggest block takes. The last lines project both
# costs, taken from the biggest lossless block of each server, onto that
# rate: the cores the load needs in all. More than the host has means that
# no server could deliver it there, whatever it costs itself, when the
# load tool alone needs most of a core or more.
def subs: (.subscribers // .subscribers_per_publisher // 0);
def f(x): (x * 100 | round) / 100;
map(select(subs > 0)) as $rs |
($rs | max_by(subs) | subs) as $bigsubs |
($rs | map(select(subs == $bigsubs) | .total.expected_packets / .duration_s) | max) as $rate |
($rs | map(select(.total.loss_pct < 1 and .total.recv_packets > 0)
	| {server, subs: subs,
	   srv: (1e6 * .cpu_s / .total.recv_packets),
	   load: (1e6 * .client_cpu_s / .total.recv_packets)})) as $ok |
"| load | server | runs < 1 % loss | server µs/received pkt | load tool µs/received pkt |",
"|---|---|---|---|---|",
($ok | group_by([.subs, .server])[] |
	"| 1 → \(.[0].subs) | \(.[0].server) | \(length) | \(f(map(.srv) | add / length)) | \(f(map(.load) | add / length)) |"),
"",
"Full delivery at 1 → \($bigsubs): \($rate | round) packets/s to the load tool; the host has \($cores) cores.",
($ok | group_by(.server)[] | max_by(.subs) as $m | (map(select(.subs == $m.subs))) as $g |
	($g | map(.srv) | add / length) as $s | ($g | map(.load) | add / length) as $l |
	"- \($m.server), costs of its 1 → \($m.subs) runs: server \(f($rate * $s / 1e6)) cores + load tool \(f($rate * $l / 1e6)) cores = \(f($rate * ($s + $l) / 1e6)) of \($cores)")
