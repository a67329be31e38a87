#!/usr/bin/env bash
# Round 15: what each telemetry sink costs at EchoTest 40, five pairs of
# plain Argus and argus-tel per configuration. Run as root from the
# repository root under the bench lock, ARGUS_BIN and LOAD_BIN built from
# the commit measured; OUTDIR gets one directory per configuration.
set -euo pipefail
out=${1:?usage: run.sh OUTDIR}
run() { # name sinks sink-cpu
	echo "== $1 $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
	env DURATION=15s RAMP=5s SERVER_CPU=0 LOAD_CPU=1 SESSIONS=40 SERVERS="argus argus-tel" REPEAT=5 WARMUP=1 SPLIT=0 \
		TEL_SINKS="$2" SINK_CPU="$3" OUT="$out/$1" bench/compare.sh >"$out/$1.log" 2>&1
	jq -n -r -f bench/telab.jq "$out/$1"/*.result.json
}
run all-unpinned "events hep otel metrics history verdict" ""
run all-sinkcpu1 "events hep otel metrics history verdict" "1"
run hep "hep" ""
run otel "otel" ""
run events "events" ""
run mhv "metrics history verdict" ""
echo "== done $(date -u +%T)"
