#!/usr/bin/env bash
# cgslope.sh — split Argus's instructions per packet (compare.sh VALGRIND=1,
# the 10 s / 40 s slope of bench/instructions.jq) by where they go:
#
#   bench/cgslope.sh OUT-10s OUT-40s [N]
#
# OUT-* are two compare.sh OUT directories of the same load with
# SERVERS=argus (or "janus argus"; SERVER=argus-tel picks the Argus with
# every telemetry sink on, from SERVERS="argus argus-tel"); the slope of each function is
# (count_long - count_short) / (packets_long - packets_short). Prints the
# per-packet total of each group and, with N, the N heaviest functions.
#
# Why: "runtime" (scheduler, channels, locks, timers, GC marking) varies by several
# percent between identical runs, because how often goroutines park, spin
# and steal work depends on the host's load even under valgrind; the
# packet path proper (pion, SRTP crypto, Argus, clock reads, and the Go
# map look-ups, copies and allocations they make) repeats to within
# about 1 %. Comparing two builds on the packet-path groups separates a
# real change from scheduler noise.
set -euo pipefail
short=$1 long=$2 top=${3:-0}
server=${SERVER:-argus}
port=8189 # compare.sh's Argus WebSocket port; argus-tel listens on 8190
[ "$server" = argus-tel ] && port=8190

argus_cg() { # the cachegrind file of the Argus process in an OUT dir
	local f
	for f in "$1"/cachegrind.*; do
		if grep -q "^cmd: .*argus.* -ws [^ ]*:$port " "$f"; then
			echo "$f"
			return
		fi
	done
	echo "cgslope.sh: no $server cachegrind file in $1" >&2
	exit 1
}
packets() { jq -s --arg s "$server" '[.[] | select(.server == $s) | .total.recv_packets] | add' "$1"/*.result.json; }
sums() { awk '/^fn=/ { fn = substr($0, 4); next } /^[0-9]/ { s[fn] += $2 } END { for (f in s) print f "\t" s[f] }' "$1" | sort; }

pa=$(packets "$short")
pb=$(packets "$long")
join -t $'\t' <(sums "$(argus_cg "$short")") <(sums "$(argus_cg "$long")") |
	gawk -F '\t' -v pa="$pa" -v pb="$pb" -v top="$top" '
	{
		d = ($3 - $2) / (pb - pa); f = $1
		if (f ~ /^(internal\/runtime\/maps|runtime\.(map|memmove|memclr|nilinter|efaceeq|typehash|strhash|memhash|aeshash|interhash|mallocgc))/) g = "go data (maps, hashing, copies, allocation)"
		else if (f ~ /^(runtime\.|internal\/runtime|sync\.|internal\/sync|sync\/atomic)/) g = "runtime (scheduler, chans, locks, timers, GC)"
		else if (f ~ /(crypto|aes|gcm|sha1|hmac)/) g = "crypto (SRTP, ICE HMAC)"
		else if (f ~ /^time\./) g = "time"
		else if (f ~ /^github.com\/pion/) g = "pion"
		else if (f ~ /^github.com\/argusrtc/) g = "argus"
		else g = "other (net, syscall, errors, ...)"
		t[g] += d; tot += d; if (g !~ /^runtime/) path += d
		fd[f] = d
	}
	END {
		for (g in t) printf "%8.0f  %s\n", t[g], g
		printf "%8.0f  packet path (all but the runtime group)\n%8.0f  total per packet (%d -> %d packets)\n", path, tot, pa, pb
		if (top > 0) {
			n = 0
			PROCINFO["sorted_in"] = "@val_num_desc"
			for (f in fd) { if (n++ >= top) break; printf "    %8.0f  %s\n", fd[f], f }
		}
	}'
