#!/usr/bin/env bash
# budget_test.sh: bench/budget.jq on made-up compare.sh results whose
# answer is known. No root needed: bash bench/budget_test.sh
#
# Argus at 1 -> 100 without loss: 150 000 packets received, 1.5 s of
# server and 1 s of load-tool CPU (10 and 6.67 µs per packet); at
# 1 -> 500 it lost half of 2 625 000 expected packets in 15 s, so full
# delivery is 175 000 packets/s: 1.75 + 1.17 = 2.92 cores. Its lossy
# 1 -> 500 run must not count as a cost; Janus's 1 -> 100 run at 2 % loss
# neither (no line for Janus).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run() { # server subs expected recv loss cpu client
	jq -n --arg s "$1" --argjson n "$2" --argjson e "$3" --argjson r "$4" --argjson l "$5" \
		--argjson c "$6" --argjson cc "$7" \
		'{server: $s, subscribers: $n, duration_s: 15, cpu_s: $c, client_cpu_s: $cc,
		  total: {expected_packets: $e, recv_packets: $r, loss_pct: $l}}'
}
out=$( {
	run argus 100 150000 150000 0 1.5 1
	run argus 500 2625000 1312500 50 20 15
	run janus 100 150000 147000 2 4 2
} | jq -s -r --argjson cores 2 -f "$here/budget.jq")
fail=0
for want in \
	"| 1 → 100 | argus | 1 | 10 | 6.67 |" \
	"Full delivery at 1 → 500: 175000 packets/s to the load tool; the host has 2 cores." \
	"- argus, costs of its 1 → 100 runs: server 1.75 cores + load tool 1.17 cores = 2.92 of 2"; do
	if ! grep -qxF -- "$want" <<<"$out"; then
		printf 'budget.jq: missing line: %s\n' "$want" >&2
		fail=1
	fi
done
if grep -q janus <<<"$out"; then
	echo "budget.jq: a lossy run was counted as a cost" >&2
	fail=1
fi
[ $fail = 0 ] && echo "budget.jq: ok"
exit $fail
