#!/usr/bin/env bash
# Round 7 telemetry cost, as run (from the repository root, as root, under
# the shared bench flock; ARGUS_BIN = the build measured, LOAD_BIN =
# argus-load of the same tree; TAG names the build and run, e.g. base1, new1):
#
# 1. instructions (valgrind), EchoTest 4, argus and argus-tel, 10 s and 40 s:
#      bench/results/2026-12-06-round7-telemetry/run.sh vg
# 2. timing and system calls, EchoTest 40, 4 pairs per run, builds interleaved:
#      bench/results/2026-12-06-round7-telemetry/run.sh ab
#
# The commands are Round 6's (../2026-12-06-round6-telemetry/run.sh), since
# kept as bench/telcost.sh.
set -euo pipefail
cd "$(dirname "$0")/../../.."
: "${TAG:?}"
exec bench/telcost.sh "${1:?vg or ab}" bench/results/2026-12-06-round7-telemetry "$TAG"
