#!/usr/bin/env bash
# pgo.sh — refresh cmd/argus/default.pgo, the CPU profile that `go build`
# uses for profile-guided optimisation of cmd/argus (Go applies a main
# package's default.pgo automatically; -pgo=off builds without it).
#
# Builds Argus with -tags cpuprofile (cmd/argus/cpuprofile.go: a CPU
# profile written after a fixed time, nothing else) and cmd/argus-load,
# then runs two loads against a local Argus on loopback, one fresh Argus
# per load, each profiled once its sessions are up:
#   EchoTest   ECHO_SESSIONS sessions (default 20), full rate
#   VideoRoom  1 publisher -> VR_SUBSCRIBERS subscribers (default 50)
# and merges the two profiles into cmd/argus/default.pgo. No root, no
# network namespace; the port (PGO_PORT, default 18189) must be free.
# Run from anywhere; takes about 2 minutes:
#
#   bench/pgo.sh && git diff --stat cmd/argus/default.pgo
#
# Environment: ECHO_SESSIONS, VR_SUBSCRIBERS, SECONDS_PER_LOAD (profiled
# media time per load, default 30), PGO_PORT, OUT (work dir, default temp).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
ECHO_SESSIONS=${ECHO_SESSIONS:-20}
VR_SUBSCRIBERS=${VR_SUBSCRIBERS:-50}
SECONDS_PER_LOAD=${SECONDS_PER_LOAD:-30}
PGO_PORT=${PGO_PORT:-18189}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"

echo "pgo.sh: building into $OUT" >&2
(cd "$here" && go build -pgo=off -tags cpuprofile -o "$OUT/argus" ./cmd/argus)
(cd "$here" && go build -o "$OUT/argus-load" ./cmd/argus-load)

ramp=5
pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# profile NAME LOAD_ARGS...: one fresh Argus, profiled from the end of the
# ramp for SECONDS_PER_LOAD seconds while the load runs a little longer.
profile() {
	local name=$1
	shift
	ARGUS_CPUPROFILE="$OUT/$name.pprof" ARGUS_CPUPROFILE_AFTER=$((ramp + 3))s \
		ARGUS_CPUPROFILE_FOR=${SECONDS_PER_LOAD}s \
		"$OUT/argus" -ws "127.0.0.1:$PGO_PORT" -http "" -admin "" -admin-ws "" \
		-loopback-candidates=true -metrics=false -history=false -log-level warn \
		-max-conns-per-ip 0 -max-sessions-per-ip 0 -max-peerconnections-per-ip 0 >>"$OUT/argus-$name.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$PGO_PORT") 2>/dev/null && break
		sleep 0.1
	done
	"$OUT/argus-load" -url "ws://127.0.0.1:$PGO_PORT/" -ice-loopback -ramp ${ramp}s \
		-duration $((SECONDS_PER_LOAD + 6))s -setup-timeout 60s "$@" >"$OUT/load-$name.json"
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
	test -s "$OUT/$name.pprof" || { echo "pgo.sh: no profile from the $name run (see $OUT/argus-$name.log)" >&2; exit 1; }
	jq -c '{mode, sessions_ok, subscribers_ok, loss: .total.loss_pct}' "$OUT/load-$name.json" >&2
}

profile echo -mode echotest -sessions "$ECHO_SESSIONS"
profile videoroom -mode videoroom -sessions 1 -subscribers "$VR_SUBSCRIBERS"

go tool pprof -proto "$OUT/echo.pprof" "$OUT/videoroom.pprof" >"$here/cmd/argus/default.pgo"
ls -l "$here/cmd/argus/default.pgo" >&2
