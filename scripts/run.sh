#!/usr/bin/env bash
# Runs Argus locally with Janus's ports and the demo pages:
#   bash scripts/run.sh [flags...]     then open http://localhost:8088/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./cmd/argus "$@"
