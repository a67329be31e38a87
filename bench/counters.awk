# counters.awk: one JSON line of the UDP counters on both sides of
# compare.sh's veth, read from /proc (no fork per counter). Arguments, in
# this order (the server's files are /proc/<server pid>/net/..., which
# are its network namespace's):
#
#   awk -v t=<µs> -v fwd=<n or null> -v nsdev=vab1 -v rootdev=vab0 \
#       -v loadip=01004D0A -f counters.awk \
#       SERVER/snmp /proc/net/snmp SERVER/dev /proc/net/dev \
#       /proc/net/softnet_stat /proc/net/udp SERVER/udp
#
# Fields: ns_* / root_* are the Udp lines of /proc/net/snmp (InDatagrams,
# InErrors, OutDatagrams, RcvbufErrors, SndbufErrors); *_tx/*_rx the veth
# ends' packets and drops (/proc/net/dev); softnet_drop the per-CPU
# backlog drops (all namespaces); load_socks/load_sock_drop the sockets
# bound to the load tool's address (hex, as /proc/net/udp prints it) and
# their drop counts; srv_sock_drop the drops of every UDP socket in the
# server's namespace; fwd what Argus's /metrics says it forwarded.
FNR == 1 { f++ }
f <= 2 && /^Udp: [0-9]/ {
	p = f == 1 ? "ns" : "root"
	v[p "_in"] = $2; v[p "_inerr"] = $4; v[p "_out"] = $5; v[p "_rcvbuf"] = $6; v[p "_sndbuf"] = $7
}
(f == 3 || f == 4) && index($0, ":") {
	line = $0
	sub(/:/, " ", line)
	split(line, a, " ")
	if ((f == 3 && a[1] == nsdev) || (f == 4 && a[1] == rootdev)) {
		p = f == 3 ? "ns" : "root"
		v[p "_rx_pkts"] = a[3]; v[p "_rx_drop"] = a[5]; v[p "_tx_pkts"] = a[11]; v[p "_tx_drop"] = a[13]
	}
}
f == 5 { v["softnet_drop"] += strtonum("0x" $2) }
f == 6 && index($2, loadip ":") == 1 { v["load_socks"]++; v["load_sock_drop"] += $NF }
f == 7 && FNR > 1 { v["srv_sock_drop"] += $NF }
END {
	n = split("ns_in ns_inerr ns_out ns_rcvbuf ns_sndbuf root_in root_inerr root_out root_rcvbuf root_sndbuf " \
		"ns_rx_pkts ns_rx_drop ns_tx_pkts ns_tx_drop root_rx_pkts root_rx_drop root_tx_pkts root_tx_drop " \
		"softnet_drop load_socks load_sock_drop srv_sock_drop", k, " ")
	printf "{\"t\":%.6f", t / 1e6
	for (i = 1; i <= n; i++) printf ",\"%s\":%d", k[i], v[k[i]] + 0
	printf ",\"fwd\":%s}\n", fwd
}
