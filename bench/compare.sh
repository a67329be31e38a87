#!/usr/bin/env bash
# compare.sh — run the same EchoTest load (cmd/argus-load) against real
# Janus and against Argus, both inside one network namespace, and print
# server CPU, RSS, loss and setup latency with Argus/Janus ratios.
#
# Needs root (network namespace), Go, jq, and the Debian `janus` package
# (installed with apt-get if missing). Usage:
#
#   sudo bench/compare.sh                       # 10 and 30 sessions x 20 s
#   SESSIONS="5 10" DURATION=10s bench/compare.sh
#
# Environment:
#   SESSIONS   session counts to run, space separated    (default "10 30")
#   DURATION   media time per session                     (default 20s)
#   RAMP       spread of session starts                   (default 5s)
#   REPEAT     runs per server and session count          (default 1)
#   WARMUP     1: one 1-session warm-up run per server first (default 1)
#   LOAD_ARGS  extra argus-load flags (e.g. "-video-pps 150"; VideoRoom
#              fan-out: SESSIONS=1 LOAD_ARGS="-mode videoroom -subscribers 50",
#              SESSIONS then counts publishers; the old client without RTCP
#              feedback: "-feedback=false")
#   SUBSCRIBERS  videoroom: subscriber counts to run, space separated; each
#              adds "-mode videoroom -subscribers N" (SESSIONS then counts
#              publishers, usually 1)                       (default: none, EchoTest)
#   SERVERS    servers to run, in this order per repeat   (default "janus argus")
#              argus-tel: a second Argus with every telemetry sink on (HTTP
#              events, HEP, OpenTelemetry, Prometheus scraped every 5 s,
#              history, verdicts) into local receivers in the namespace
#   TEL_SINKS  argus-tel's sinks, space separated, of: events hep otel
#              metrics history verdict (default all six): what one sink
#              costs is a pair of argus and argus-tel with TEL_SINKS=that one
#   SINK_CPU   pin argus-tel's receivers (and the /metrics scraper) to these
#              CPUs (taskset -c list; default unpinned: they may share the
#              server's CPU, as collectors on the gateway's host would)
#   ARGUS_ARGS extra Argus flags, space separated, for argus and argus-tel
#              (e.g. ARGUS_ARGS="-ice-udp-shared=false": a socket per
#              PeerConnection, as Janus, instead of the shared ICE UDP port)
#   SERVER_CPU, LOAD_CPU  pin the servers and the load tool to these CPUs
#              (taskset -c lists, e.g. SERVER_CPU=0 LOAD_CPU=1; default unpinned)
#   ARGUS_BIN, LOAD_BIN  prebuilt binaries (default: go build from this tree)
#   OUT        directory for raw JSON results and logs    (default: a temp dir, kept)
#   SPLIT      1: in VideoRoom runs, say where the lost packets were lost
#              (default 1; 0 also runs Argus with -metrics=false as before).
#              Every ~0.5 s of a run, bench/counters.awk reads the UDP
#              counters of both namespaces, the veth ends' drops, the
#              per-socket drops of the load tool's sockets and (Argus)
#              argus_videoroom_forwarded_packets_total from /metrics on
#              127.0.0.1:9101 in the namespace; bench/losssplit.jq cuts the
#              measurement window out of them. The result JSON gets
#              "loss_split", a log line per run says which side lost the
#              packets and a second table lists the splits.
#   VALGRIND   1: count instructions instead of timing: each run gets a fresh
#              server under valgrind --tool=cachegrind, stopped after the
#              load, and its result JSON gets "instructions" (user-space
#              instructions of the whole process life: start, setup, media,
#              teardown). Two DURATIONs give the cost per packet as a slope
#              with the fixed costs cancelled (bench/instructions.jq). The
#              count does not depend on how loaded the host is; kernel time
#              (sendto/recvfrom) is not in it. Valgrind runs a server ~50x
#              slower on one thread at a time: keep the load small (e.g.
#              LOAD_ARGS="-audio-pps 10 -video-pps 30"). argus-tel too: its
#              receivers run for the whole script, the server is fresh per run.
#   Every result JSON has "steady": the server's CPU (% of one core) in the
#              window where every session is in media, from 1 s after the
#              last session started to 0.5 s before the first one ends (no
#              setup or teardown in it; null if DURATION - RAMP < 3.5 s).
#   SYSCALLS   1: count the server's system calls during each run (perf stat
#              on the syscall tracepoints, attached to the server's pid from
#              the load's start to its end): the result JSON gets "syscalls"
#              ({"total": N, "sendto": N, ...}). The kernel side that VALGRIND
#              does not see; bench/telab.jq compares telemetry on and off.
#              Under VALGRIND the counts are valgrind's own (more).
#
# Network: a veth pair between the root namespace (10.77.0.1/30) and the
# namespace argusbench (10.77.0.2/30). Janus gathers no loopback candidates,
# so both servers run inside the namespace and the load runs in the root
# namespace with ICE restricted to 10.77.0.0/30. Janus listens on 8188,
# Argus on 8189. Everything is removed on exit.
set -euo pipefail

NS=argusbench
VETH_ROOT=vab0
VETH_NS=vab1
ROOT_IP=10.77.0.1
NS_IP=10.77.0.2
JANUS_PORT=8188
ARGUS_PORT=8189
ARGUS_TEL_PORT=8190

SESSIONS=${SESSIONS:-"10 30"}
DURATION=${DURATION:-20s}
RAMP=${RAMP:-5s}
REPEAT=${REPEAT:-1}
WARMUP=${WARMUP:-1}
LOAD_ARGS=${LOAD_ARGS:-}
SUBSCRIBERS=${SUBSCRIBERS:-}
SERVERS=${SERVERS:-"janus argus"}
server_pin=() load_pin=()
[ -n "${SERVER_CPU:-}" ] && server_pin=(taskset -c "$SERVER_CPU")
[ -n "${LOAD_CPU:-}" ] && load_pin=(taskset -c "$LOAD_CPU")
VALGRIND=${VALGRIND:-0}
SYSCALLS=${SYSCALLS:-0}
SPLIT=${SPLIT:-1}
[ "$VALGRIND" = 1 ] && SPLIT=0 # the servers run ~50x slower: no steady rate to cut a window from
ARGUS_METRICS=127.0.0.1:9101 # Argus's /metrics inside the namespace (SPLIT=1)

here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/argusbench.XXXXXX)
OUT=${OUT:-$work/out}
mkdir -p "$OUT"
vg=() vg_go=()
if [ "$VALGRIND" = 1 ]; then
	command -v valgrind >/dev/null || { echo "compare.sh: VALGRIND=1 needs valgrind" >&2; exit 1; }
	vg=(valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$OUT/cachegrind.%p")
	# Go: no asynchronous preemption signals, and no RDTSCP (valgrind 3.19
	# does not decode it), under valgrind.
	vg_go=(env GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off)
	WARMUP=0 # every run starts a fresh server
fi
# perf stat events for SYSCALLS=1: every system call, then the ones a
# server's packets and telemetry exports make, and its waits.
sc_events=raw_syscalls:sys_enter
for c in sendto sendmsg sendmmsg write writev recvfrom recvmsg recvmmsg read futex epoll_pwait nanosleep; do
	sc_events+=,syscalls:sys_enter_$c
done
if [ "$SYSCALLS" = 1 ]; then
	command -v perf >/dev/null || { echo "compare.sh: SYSCALLS=1 needs perf" >&2; exit 1; }
fi

pids=() sink_pids=()
janus_pid= argus_pid= argus_tel_pid=
cleanup() {
	local i
	for i in "${pids[@]}" "${sink_pids[@]}"; do # servers stop before the sinks they export to
		kill "$i" 2>/dev/null || true
		wait "$i" 2>/dev/null || true
	done
	ip link del "$VETH_ROOT" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$work/janus" "$work/bin"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "compare.sh: $*" >&2; }

[ "$(id -u)" = 0 ] || { log "must run as root (network namespace)"; exit 1; }
command -v jq >/dev/null || { log "jq is required"; exit 1; }
if ! command -v janus >/dev/null; then
	log "installing janus"
	DEBIAN_FRONTEND=noninteractive apt-get install -y janus >/dev/null
fi

# --- binaries -------------------------------------------------------------
mkdir -p "$work/bin"
if [ -z "${ARGUS_BIN:-}" ]; then
	ARGUS_BIN=$work/bin/argus
	(cd "$here" && go build -o "$ARGUS_BIN" ./cmd/argus)
fi
if [ -z "${LOAD_BIN:-}" ]; then
	LOAD_BIN=$work/bin/argus-load
	(cd "$here" && go build -o "$LOAD_BIN" ./cmd/argus-load)
fi

# --- Janus configuration: websockets transport, echotest and videoroom ----
plugdir=$(dirname "$(dpkg -L janus | grep '/plugins/libjanus_echotest.so$')")
libdir=$(dirname "$plugdir")
others() { # comma-separated .so names in $1 except $2
	(cd "$libdir/$1" && ls libjanus_*.so 2>/dev/null | grep -v "^$2\$" | paste -sd, -)
}
jcfg=$work/janus
mkdir -p "$jcfg"
cat >"$jcfg/janus.jcfg" <<EOF
general: {
	configs_folder = "$jcfg"
	plugins_folder = "$libdir/plugins"
	transports_folder = "$libdir/transports"
	events_folder = "$libdir/events"
	loggers_folder = "$libdir/loggers"
	debug_level = 2
	server_name = "janus-bench"
	session_timeout = 60
}
certificates: {
}
media: {
}
nat: {
	nice_debug = false
	ice_ignore_list = "vmnet"
}
plugins: {
	disable = "$(others plugins 'libjanus_\(echotest\|videoroom\)\.so')"
}
transports: {
	disable = "$(others transports libjanus_websockets.so)"
}
loggers: {
	disable = "$(others loggers none)"
}
events: {
	broadcast = false
}
EOF
cat >"$jcfg/janus.transport.websockets.jcfg" <<EOF
general: {
	json = "compact"
	ws = true
	ws_port = $JANUS_PORT
	wss = false
}
admin: {
	admin_ws = false
	admin_wss = false
}
EOF
cat >"$jcfg/janus.plugin.videoroom.jcfg" <<EOF
general: {
}
EOF
cat >"$jcfg/janus.plugin.echotest.jcfg" <<EOF
general: {
}
EOF

# --- network namespace ----------------------------------------------------
ip netns del "$NS" 2>/dev/null || true
ip link del "$VETH_ROOT" 2>/dev/null || true
ip netns add "$NS"
ip link add "$VETH_ROOT" type veth peer name "$VETH_NS"
ip link set "$VETH_NS" netns "$NS"
ip addr add "$ROOT_IP/30" dev "$VETH_ROOT"
ip link set "$VETH_ROOT" up
ip -n "$NS" addr add "$NS_IP/30" dev "$VETH_NS"
ip -n "$NS" link set "$VETH_NS" up
ip -n "$NS" link set lo up

# --- servers --------------------------------------------------------------
want() { [[ " $SERVERS " == *" $1 "* ]]; }
# Every load client connects from the one root-namespace address: lift
# Argus's per-address connection cap (256), its session and PeerConnection
# caps, which real clients spread. A build older than a cap (an A/B base
# binary) does not know its flag. The help is read whole before it is
# searched: a reader that stops early would kill Argus with SIGPIPE, and
# under pipefail the test would fail at random.
argus_flags=(-http "" -admin "" -admin-ws "" -loopback-candidates=false -log-level warn -max-conns-per-ip 0)
argus_help=$("$ARGUS_BIN" -help 2>&1 || true)
for cap in -max-sessions-per-ip -max-peerconnections -max-peerconnections-per-ip; do
	if [[ $argus_help == *"$cap "* ]]; then
		argus_flags+=("$cap" 0)
	fi
done
read -r -a argus_extra <<<"${ARGUS_ARGS:-}"
argus_flags+=("${argus_extra[@]}")
wait_port() { # wait_port host port name
	for _ in $(seq 1 $((VALGRIND == 1 ? 600 : 100))); do
		if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	log "$3 did not listen on $1:$2 (see $OUT/$3.log)"
	exit 1
}
start_janus() {
	ip netns exec "$NS" "${server_pin[@]}" "${vg[@]}" janus -C "$jcfg/janus.jcfg" -F "$jcfg" -d 2 -o -L "$OUT/janus.log" -N >>"$OUT/janus.out" 2>&1 &
	janus_pid=$!
	pids+=("$janus_pid")
	wait_port "$NS_IP" "$JANUS_PORT" janus
}
start_argus() {
	local m=(-metrics=false)
	[ "$SPLIT" = 1 ] && m=(-metrics=true -metrics-addr "$ARGUS_METRICS")
	ip netns exec "$NS" "${vg_go[@]}" "${server_pin[@]}" "${vg[@]}" "$ARGUS_BIN" -ws "$NS_IP:$ARGUS_PORT" "${argus_flags[@]}" \
		"${m[@]}" -history=false >>"$OUT/argus.log" 2>&1 &
	argus_pid=$!
	pids+=("$argus_pid")
	wait_port "$NS_IP" "$ARGUS_PORT" argus
}
# stop_server pid: SIGTERM (both servers shut down cleanly; valgrind then
# writes its counts) and wait.
stop_server() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
if [ "$VALGRIND" != 1 ]; then
	want janus && start_janus
	want argus && start_argus
fi
# start_argus_tel: Argus with the telemetry sinks of TEL_SINKS on (every
# one by default), exporting to the receivers below.
start_argus_tel() {
	local tel=(-metrics=false -history=false)
	for s in ${TEL_SINKS:-events hep otel metrics history verdict}; do
		case $s in
		events) tel+=(-event-http http://127.0.0.1:4318/events) ;;
		hep) tel+=(-hep udp://127.0.0.1:9060) ;;
		otel) tel+=(-otel) ;;
		metrics) tel+=(-metrics=true -metrics-addr 127.0.0.1:9100) ;;
		history) tel+=(-history=true) ;;
		verdict) tel+=(-verdict) ;;
		*) echo "TEL_SINKS: unknown sink $s" >&2; exit 2 ;;
		esac
	done
	ip netns exec "$NS" "${vg_go[@]}" env OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
		"${server_pin[@]}" "${vg[@]}" "$ARGUS_BIN" -ws "$NS_IP:$ARGUS_TEL_PORT" "${argus_flags[@]}" \
		"${tel[@]}" >>"$OUT/argus-tel.log" 2>&1 &
	argus_tel_pid=$!
	pids+=("$argus_tel_pid")
	wait_port "$NS_IP" "$ARGUS_TEL_PORT" argus-tel
}
if want argus-tel; then
	# Receivers inside the namespace, for the whole script (under VALGRIND
	# the server restarts per run): one HTTP server takes the event POSTs
	# and the OTLP/HTTP trace exports, one UDP socket the HEP packets, and
	# /metrics is scraped every 5 s. The HTTP server keeps connections
	# open (HTTP/1.1), as an event collector or OTLP endpoint does; the
	# library's default, HTTP/1.0, closed each after one POST, so Argus
	# paid a TCP connection per export (Rounds 6 and 7 measured that).
	cat >"$work/sink.py" <<'PY'
import http.server, socket, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
def hep():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 9060))
    while True: s.recv(65536)
threading.Thread(target=hep, daemon=True).start()
http.server.ThreadingHTTPServer(("127.0.0.1", 4318), H).serve_forever()
PY
	sink_pin=()
	[ -n "${SINK_CPU:-}" ] && sink_pin=(taskset -c "$SINK_CPU")
	ip netns exec "$NS" "${sink_pin[@]}" python3 "$work/sink.py" >"$OUT/sink.log" 2>&1 &
	sink_pids=($!)
	for _ in $(seq 1 100); do # the sinks must listen before Argus exports
		ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/4318' 2>/dev/null && break
		sleep 0.1
	done
	ip netns exec "$NS" "${sink_pin[@]}" bash -c 'while sleep 5; do curl -s -o /dev/null -m 4 http://127.0.0.1:9100/metrics; done' &
	sink_pids+=($!)
	[ "$VALGRIND" != 1 ] && start_argus_tel
fi


# --- measurement helpers --------------------------------------------------
ticks=$(getconf CLK_TCK)
cpu_ticks() { # utime+stime of a process (all threads)
	sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# secs_us 15s|500ms|1m: a Go duration of one unit in µs (DURATION, RAMP).
secs_us() {
	case $1 in
	*ms) echo $((${1%ms} * 1000)) ;;
	*s) echo $((${1%s} * 1000000)) ;;
	*m) echo $((${1%m} * 60000000)) ;;
	*) echo "compare.sh: cannot read duration $1" >&2; exit 2 ;;
	esac
}

# --- loss split (SPLIT=1) ---------------------------------------------------
# The load tool's address as /proc/net/udp prints it (little-endian hex).
load_ip_hex=$(echo "$ROOT_IP" | awk -F. '{printf "%02X%02X%02X%02X", $4, $3, $2, $1}')
metrics_url() { case $1 in argus) echo "http://$ARGUS_METRICS/metrics" ;; argus-tel) echo "http://127.0.0.1:9100/metrics" ;; esac; }
# counters name pid: append one line of counters (bench/counters.awk) to
# stdout; Argus's forwarded packets come from its /metrics.
counters() {
	local fwd=null url
	url=$(metrics_url "$1")
	if [ -n "$url" ]; then
		fwd=$(ip netns exec "$NS" curl -s -m 1 "$url" | awk '/^argus_videoroom_forwarded_packets_total/ {s += $2; n++} END {print n ? s : "null"}') || fwd=null
	fi
	awk -v t="${EPOCHREALTIME/./}" -v fwd="${fwd:-null}" -v nsdev="$VETH_NS" -v rootdev="$VETH_ROOT" -v loadip="$load_ip_hex" \
		-f "$here/bench/counters.awk" "/proc/$2/net/snmp" /proc/net/snmp "/proc/$2/net/dev" /proc/net/dev \
		/proc/net/softnet_stat /proc/net/udp "/proc/$2/net/udp" 2>/dev/null || true
}
# drain_s: argus-load's -drain (default 1 s) in seconds, from LOAD_ARGS.
drain_s() {
	local d
	d=$(echo " $LOAD_ARGS" | sed -n 's/.* --\{0,1\}drain[= ]\([0-9.]*\(ms\|s\)\).*/\1/p')
	case $d in
	*ms) awk -v x="${d%ms}" 'BEGIN {print x / 1000}' ;;
	*s) echo "${d%s}" ;;
	*) echo 1 ;;
	esac
}

# run_one server pid port sessions subscribers rep: runs the load, writes
# $OUT/<name>.json with the load result plus server cpu_s and rss_max_kb.
run_one() {
	local name=$1 pid=$2 port=$3 n=$4 subs=$5 rep=$6
	local tag="$name-$n-$rep" c0 c1 rss rmax=0 lp loadavg vr=()
	if [ -n "$subs" ]; then
		tag="$name-$n-$subs-$rep"
		vr=(-mode videoroom -subscribers "$subs")
	fi
	if [ "$VALGRIND" = 1 ]; then
		"start_${name//-/_}"
		pid=$(pid_of "$name")
	fi
	loadavg=$(cut -d' ' -f1 /proc/loadavg)
	local perf_pid=
	if [ "$SYSCALLS" = 1 ]; then
		perf stat -x, -e "$sc_events" -p "$pid" -o "$OUT/$tag.syscalls.csv" 2>/dev/null &
		perf_pid=$!
		sleep 0.2 # attached before the load starts
	fi
	c0=$(cpu_ticks "$pid")
	# shellcheck disable=SC2086
	"${load_pin[@]}" "$LOAD_BIN" -url "ws://$NS_IP:$port/" -sessions "$n" -duration "$DURATION" -ramp "$RAMP" \
		-ice-net "$ROOT_IP/30" "${vr[@]}" $LOAD_ARGS >"$OUT/$tag.load.json" 2>"$OUT/$tag.load.log" &
	lp=$!
	# Peak CPU of the server and of the load tool over any 4 sampling
	# intervals (>= 2 s; divided by the wall time they really took, longer
	# on a busy host), in % of one core: shows which side saturated.
	local st=() lt=() wt=() i=0 t sp=0 lpk=0 samples=$OUT/$tag.samples.jsonl split=0
	[ "$SPLIT" = 1 ] && [ -n "$subs" ] && split=1
	local log0=0 # Argus logs its fan-out queue drops when a stream ends
	[ "$split" = 1 ] && [ -f "$OUT/$name.log" ] && log0=$(wc -l <"$OUT/$name.log")
	[ "$split" = 1 ] && : >"$samples"
	while kill -0 "$lp" 2>/dev/null; do
		[ "$split" = 1 ] && counters "$name" "$pid" >>"$samples"
		rss=$(rss_kb "$pid")
		[ "$rss" -gt "$rmax" ] && rmax=$rss
		st[i]=$(cpu_ticks "$pid")
		lt[i]=$(cpu_ticks "$lp" 2>/dev/null || echo "${lt[i - 1]:-0}")
		wt[i]=${EPOCHREALTIME/./} # µs
		if [ "$i" -ge 4 ]; then
			t=$(((st[i] - st[i - 4]) * 100000000 / (ticks * (wt[i] - wt[i - 4]))))
			[ "$t" -gt "$sp" ] && sp=$t
			t=$(((lt[i] - lt[i - 4]) * 100000000 / (ticks * (wt[i] - wt[i - 4]))))
			[ "$t" -gt "$lpk" ] && lpk=$t
		fi
		i=$((i + 1))
		sleep 0.5
	done
	wait "$lp" || log "$tag: argus-load exited $? (see $OUT/$tag.load.log)"
	c1=$(cpu_ticks "$pid")
	# The steady window: from 1 s after the last session started to 0.5 s
	# before the first one ends, every session in media, no setup or
	# teardown in it (the issue's "steady windows"); the server's CPU there
	# in % of one core. null when DURATION is too short for one.
	local steady=null a b j k=-1 m=-1
	a=$((wt[0] + $(secs_us "$RAMP") + 1000000))
	b=$((wt[0] + $(secs_us "$DURATION") - 500000))
	for ((j = 0; j < i; j++)); do
		[ "$k" -lt 0 ] && [ "${wt[j]}" -ge "$a" ] && k=$j
		[ "${wt[j]}" -le "$b" ] && m=$j
	done
	if [ "$k" -ge 0 ] && [ "$m" -gt "$k" ] && [ $((wt[m] - wt[k])) -ge 2000000 ]; then
		steady=$(echo "${st[k]} ${st[m]} ${wt[k]} ${wt[m]} $ticks" | awk '{printf "{\"cpu_pct\": %.2f, \"window_s\": %.2f}", 100 * ($2 - $1) / $5 / (($4 - $3) / 1e6), ($4 - $3) / 1e6}')
	fi
	local sc=null
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" 2>/dev/null || true
		# "count,,raw_syscalls:sys_enter,..." -> {"total": count, "sendto": count, ...}
		sc=$(awk -F, '$3 ~ /sys_enter/ {n = $3; sub(/^raw_syscalls:sys_enter$/, "total", n); sub(/^syscalls:sys_enter_/, "", n)
			printf "%s\"%s\": %s", (k++ ? ", " : "{"), n, ($1 ~ /^[0-9]+$/ ? $1 : "null")} END {print k ? "}" : "null"}' "$OUT/$tag.syscalls.csv")
	fi
	local ir=0
	if [ "$VALGRIND" = 1 ]; then
		stop_server "$pid"
		ir=$(awk '/^summary:/ {print $2}' "$OUT/cachegrind.$pid")
	fi
	jq --arg server "$name" --argjson instructions "${ir:-0}" --argjson syscalls "$sc" --argjson cpu "$(echo "$c0 $c1 $ticks" | awk '{printf "%.3f", ($2-$1)/$3}')" \
		--argjson rss "$rmax" --argjson steady "$steady" \
		--argjson loadavg "$loadavg" --argjson sp "$sp" --argjson lpk "$lpk" --argjson loadavg_after "$(cut -d' ' -f1 /proc/loadavg)" \
		'. + {server: $server, cpu_s: $cpu, instructions: $instructions, syscalls: $syscalls, rss_max_kb: $rss, loadavg_1m_before: $loadavg, loadavg_1m_after: $loadavg_after, server_cpu_peak_pct: $sp, load_cpu_peak_pct: $lpk, steady: $steady, subscribers: (.subscribers_per_publisher // 0)}' "$OUT/$tag.load.json" >"$OUT/$tag.result.json"
	log "$tag: $(jq -c '{ok: .sessions_ok, failed: .sessions_failed, loss: .total.loss_pct, cpu_s, client_cpu_s, sent_pct: (if .total.offered_packets > 0 then 100 * .total.sent_packets / .total.offered_packets else null end), rss_max_kb, server_cpu_peak_pct, load_cpu_peak_pct, steady_cpu_pct: .steady.cpu_pct, instructions, syscalls: .syscalls.total, setup_p50: .setup.p50_ms, setup_p95: .setup.p95_ms}' "$OUT/$tag.result.json")"
	sleep 2 # let the server release the finished sessions
	if [ "$split" = 1 ]; then
		# after the sleep: Argus's last media reports (at hangup) are in
		counters "$name" "$pid" >>"$samples"
		jq --slurpfile s "$samples" --argjson drain "$(drain_s)" -f "$here/bench/losssplit.jq" "$OUT/$tag.load.json" >"$OUT/$tag.split.json" ||
			echo '{"error": "losssplit.jq failed"}' >"$OUT/$tag.split.json"
		local fo=null
		[[ $name == argus* ]] && [ -f "$OUT/$name.log" ] && fo=$(tail -n +$((log0 + 1)) "$OUT/$name.log" | awk '/fan-out queues full/ {for (i = 1; i <= NF; i++) if ($i ~ /^drops=/) {sub(/^drops=/, "", $i); s += $i}} END {print s + 0}')
		jq --slurpfile split "$OUT/$tag.split.json" --argjson fo "${fo:-null}" '. + {loss_split: ($split[0] + {argus_fanout_queue_drops: $fo})}' "$OUT/$tag.result.json" >"$OUT/$tag.result.json.tmp"
		mv "$OUT/$tag.result.json.tmp" "$OUT/$tag.result.json"
		log "$tag: $(jq -r -f "$here/bench/splitline.jq" "$OUT/$tag.result.json")"
	fi
}

port_of() { case $1 in janus) echo "$JANUS_PORT" ;; argus) echo "$ARGUS_PORT" ;; argus-tel) echo "$ARGUS_TEL_PORT" ;; esac; }
pid_of() { case $1 in janus) echo "$janus_pid" ;; argus) echo "$argus_pid" ;; argus-tel) echo "$argus_tel_pid" ;; esac; }

if [ "$WARMUP" = 1 ]; then # first sessions of a fresh process are slower
	for s in $SERVERS; do
		"$LOAD_BIN" -url "ws://$NS_IP:$(port_of "$s")/" -sessions 1 -duration 3s -ice-net "$ROOT_IP/30" \
			>"$OUT/warmup-$s.json" 2>&1 || log "warm-up of $s failed (see $OUT/warmup-$s.json)"
	done
fi

for n in $SESSIONS; do
	subs_list=(${SUBSCRIBERS:-})
	[ ${#subs_list[@]} -eq 0 ] && subs_list=("")
	for subs in "${subs_list[@]}"; do
		for rep in $(seq 1 "$REPEAT"); do
			for s in $SERVERS; do
				run_one "$s" "$(pid_of "$s")" "$(port_of "$s")" "$n" "$subs" "$rep"
			done
		done
	done
done

# --- table ----------------------------------------------------------------
# Server CPU per session-second of media and per echoed packet
# (a session is one Opus + one VP8 stream each way).
jq -s -r -f "$here/bench/table.jq" "$OUT"/*.result.json | grep -v '^$' | tee "$OUT/table.md"
if [ "$SPLIT" = 1 ] && [ -n "$SUBSCRIBERS" ]; then
	echo
	jq -s -r -f "$here/bench/splittable.jq" "$OUT"/*.result.json | tee "$OUT/split.md"
fi
log "raw results in $OUT"
