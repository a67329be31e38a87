# telab.jq: telemetry on/off from compare.sh runs with SERVERS="argus argus-tel"
# (REPEAT pairs, possibly several OUT directories):
#   jq -n -r -f bench/telab.jq OUT*/*.result.json
# A pair is the argus and the argus-tel run of one repeat in one OUT
# directory (compare.sh runs them back to back). Per load: each pair's on/off
# ratio of server CPU per received packet (the load tool's sending varies
# on a busy host), their median, lowest and highest, and the ratio of the
# sums; a pair where either run's load tool sent less than 95 % of what it
# offers is left out (listed apart: a starved load, not the server's cost); with SYSCALLS=1 the system calls per received packet
# off and on (medians) and, median over the pairs, the system calls the
# telemetry run made more than the plain one, divided by DURATION (the whole
# run's difference, session setup and teardown included). A second table:
# per pair the on/off ratio of the server's CPU in the steady window
# (compare.sh's "steady": every session in media, no setup or teardown),
# and the median of the whole run's extra CPU per session.

def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def f(x): if x == null then "n/a" else ((x * 1000 | round) / 1000 | tostring) end;
def f1(x): if x == null then "n/a" else ((x * 10 | round) / 10 | tostring) end;
def sent(r): r | if .total.offered_packets > 0 then 100 * .total.sent_packets / .total.offered_packets else 0 end;
def pkt(r): r | .cpu_s / .total.recv_packets;
def subs: (.subscribers // .subscribers_per_publisher // 0);
def sc(k): if .syscalls == null or .syscalls[k] == null then null else .syscalls[k] / .total.recv_packets end;
# tag: <server>-<sessions>[-<subs>]-<rep>.result.json
def rep: input_filename | capture("-(?<r>[0-9]+)\\.result\\.json$").r;
def dir: input_filename | sub("/[^/]*$"; "");

[inputs | select(.server == "argus" or .server == "argus-tel") | . + {rep: rep, dir: dir}] |
group_by([.sessions, subs]) | map(
	(if (.[0] | subs) > 0 then "VideoRoom \(.[0].sessions) → \(.[0] | subs)" else "EchoTest \(.[0].sessions)" end) as $load |
	[group_by([.dir, .rep])[] | {off: map(select(.server == "argus"))[0], on: map(select(.server == "argus-tel"))[0]} | select(.off and .on)] as $all |
	($all | map(select(sent(.off) >= 95 and sent(.on) >= 95))) as $pairs |
	($pairs | map(pkt(.on) / pkt(.off))) as $r |
	{load: $load, n: ($pairs | length), r: $r, left: ($all | map(select(sent(.off) < 95 or sent(.on) < 95) | "\(.off.rep) (sent \(sent(.off) | round) / \(sent(.on) | round) %)")),
	 med: ($r | median), lo: ($r | min), hi: ($r | max),
	 sum: (($pairs | map(.on.cpu_s) | add) / ($pairs | map(.on.total.recv_packets) | add)
		/ (($pairs | map(.off.cpu_s) | add) / ($pairs | map(.off.total.recv_packets) | add))),
	 loss: ($pairs | map(.on.total.loss_pct, .off.total.loss_pct) | max),
	 st: ($pairs | map(select(.on.steady != null and .off.steady != null) | .on.steady.cpu_pct / .off.steady.cpu_pct)),
	 stwin: ($pairs | map(.on.steady.window_s // empty) | median),
	 xms: ($pairs | map(1000 * (.on.cpu_s - .off.cpu_s) / .on.sessions) | median),
	 scoff: ($pairs | map(.off | sc("total")) | map(select(. != null)) | median),
	 scon: ($pairs | map(.on | sc("total")) | map(select(. != null)) | median),
	 xs: (["total", "write", "sendmmsg", "read", "sendto"] | map(. as $k | {key: $k, value: ($pairs
		| map(select(.on.syscalls[$k] != null and .off.syscalls[$k] != null) | (.on.syscalls[$k] - .off.syscalls[$k]) / .on.duration_s)
		| median)}) | from_entries)}
) |
("| load | pairs | CPU per received packet, on/off per pair | **median** | lowest – highest | sum on / sum off | pairs left out | max loss % | syscalls/received pkt off → on | telemetry's extra syscalls per s of media: all, write, sendmmsg, read, sendto |",
 "|---|---|---|---|---|---|---|---|---|---|",
 (.[] | "| \(.load) | \(.n) | \(.r | map(f(.)) | join(", ")) | **\(f(.med))** | \(f(.lo)) – \(f(.hi)) | \(f(.sum)) | \(.left | if length == 0 then "none" else join(", ") end) | \(f(.loss)) | \(f(.scoff)) → \(f(.scon)) | \(.xs | [.total, .write, .sendmmsg, .read, .sendto] | map(f1(.)) | join(", ")) |")),
"",
"| load | steady window s (median) | steady CPU, on/off per pair | **median** | lowest – highest | whole run: extra CPU per session, ms (median) |",
"|---|---|---|---|---|---|",
(.[] | "| \(.load) | \(f1(.stwin)) | \(.st | map(f(.)) | join(", ")) | **\(f(.st | median))** | \(f(.st | min)) – \(f(.st | max)) | \(f1(.xms)) |")
