#!/usr/bin/env bash
# THE test command of Argus: installs what the tests need (once; rerunning
# installs nothing new), then runs go vet, golangci-lint, the race-enabled Go
# tests (unit + end-to-end, dashboards with promtool, prometheus and
# docker-compose), every fuzz target for a short while, the checks of
# bench/compare.sh's loss split and of the fan-out CPU budget, and the
# real-browser janus.js tests (EchoTest, VideoRoom, their traces in Jaeger v2).
# Jaeger v2 is built once from its Go module into a cache outside the
# repository (scripts/jaeger.sh).
#
#   bash scripts/test.sh
#
# Environment:
#   FUZZTIME            time per fuzz target (default 10s)
#   ARGUS_SOAK_SECONDS  media time of the 20-session soak test (default 3)
#   GO_TEST_TIMEOUT     go test -timeout (default 20m)
#   CHROMIUM            browser binary for the browser test (default /usr/bin/chromium)
#
# Every step runs even if an earlier one failed; the summary at the end
# lists them, and the exit status is non-zero if any failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
FUZZTIME=${FUZZTIME:-10s}
GO_TEST_TIMEOUT=${GO_TEST_TIMEOUT:-20m}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

declare -a STEP_NAMES=() STEP_RESULTS=() STEP_TIMES=()
FAILED=0

# step NAME CMD...: runs CMD, records PASS/FAIL and the duration.
step() {
	local name=$1
	shift
	printf '\n==> %s\n' "$name"
	local start=$SECONDS
	if "$@"; then
		STEP_RESULTS+=("PASS")
	else
		STEP_RESULTS+=("FAIL")
		FAILED=1
	fi
	STEP_NAMES+=("$name")
	STEP_TIMES+=("$((SECONDS - start))s")
}

# apt_install PKG...: installs the packages that are missing (root or sudo).
apt_install() {
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		sudo=(sudo)
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update &&
		"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@"
}

install_system_deps() {
	local missing=()
	[ -x "$CHROMIUM" ] || command -v chromium >/dev/null || missing+=(chromium)
	if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
		missing+=(prometheus) # Debian's prometheus package has promtool too
	fi
	# dashboards/ checks docker-compose.homer.yml with `docker-compose config`
	# (no Docker engine needed).
	command -v docker-compose >/dev/null || missing+=(docker-compose)
	# test/aiortc runs the Janus example of Debian's python3-aiortc as shipped.
	/usr/bin/python3 -c 'import aiortc, aiohttp' 2>/dev/null || missing+=(python3-aiortc python3-aiohttp)
	# test/janusref compares Argus's events with real Janus 1.1.2's, run
	# in a network namespace (ip from iproute2).
	command -v janus >/dev/null || missing+=(janus)
	command -v ip >/dev/null || missing+=(iproute2)
	# bench/losssplit_test.sh and bench/budget_test.sh check the
	# benchmark's jq programs.
	command -v jq >/dev/null || missing+=(jq)
	if [ ${#missing[@]} -eq 0 ]; then
		echo "chromium, prometheus, docker-compose, python3-aiortc and janus already installed"
		return 0
	fi
	echo "installing: ${missing[*]}"
	apt_install "${missing[@]}"
}

# npm_install DIR: installs DIR's node modules from its lock file.
npm_install() {
	local dir=$1
	echo "--- npm in $dir"
	if [ -f "$ROOT/$dir/package-lock.json" ]; then
		(cd "$ROOT/$dir" && npm ci --no-audit --no-fund)
	else
		(cd "$ROOT/$dir" && npm install --no-audit --no-fund)
	fi
}

# install_node_deps installs the browser tests' modules and hep-js (which
# hep's Go test would otherwise install on its first run).
install_node_deps() {
	local dir rc=0
	for dir in test/browser hep/hepjs; do
		npm_install "$dir" || rc=1
	done
	return $rc
}

# port_open PORT: true when 127.0.0.1:PORT accepts a TCP connection.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_brokers: the event handler tests use RabbitMQ (5672), Mosquitto
# (1883) and NATS with JetStream (4222) on loopback. Each one that does not
# answer is installed (Debian package) if missing and started; rerunning
# with them up does nothing.
start_brokers() {
	local missing=() sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	port_open 5672 || command -v rabbitmq-server >/dev/null || missing+=(rabbitmq-server)
	port_open 1883 || command -v mosquitto >/dev/null || missing+=(mosquitto)
	port_open 4222 || command -v nats-server >/dev/null || missing+=(nats-server)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "installing: ${missing[*]}"
		apt_install "${missing[@]}" || return 1
	fi
	port_open 5672 || "${sudo[@]}" service rabbitmq-server start || "${sudo[@]}" rabbitmq-server -detached
	port_open 1883 || "${sudo[@]}" mosquitto -d -p 1883
	if ! port_open 4222; then
		mkdir -p "${TMPDIR:-/tmp}/argus-nats"
		nohup nats-server -a 127.0.0.1 -p 4222 -js -sd "${TMPDIR:-/tmp}/argus-nats" >"${TMPDIR:-/tmp}/argus-nats.log" 2>&1 &
	fi
	local port i
	for port in 5672 1883 4222; do
		for i in $(seq 1 120); do
			port_open "$port" && break
			sleep 0.5
		done
		port_open "$port" || { echo "broker on port $port did not start"; return 1; }
	done
	echo "RabbitMQ 5672, Mosquitto 1883 and NATS 4222 answer"
}

# jaeger_build builds the Jaeger v2 binary (the trace store of the trace
# tests) once into a cache outside the repository (scripts/jaeger.sh) and
# exports its path as ARGUS_JAEGER for the Go and browser tests.
jaeger_build() {
	local bin
	bin=$(bash "$ROOT/scripts/jaeger.sh" | tail -n 1) && [ -x "$bin" ] || return 1
	export ARGUS_JAEGER=$bin
}

go_vet() { go vet ./...; }

# golangci_lint runs the linters of .golangci.yml, installing golangci-lint
# (the version below, with go install) when it is missing or another
# version; niced and on one core, as it is heavy.
GOLANGCI_LINT_VERSION=v2.15.0
golangci_lint() {
	local bin
	bin="$(go env GOBIN)"
	bin="${bin:-$(go env GOPATH)/bin}/golangci-lint"
	if ! "$bin" version 2>/dev/null | grep -q "version ${GOLANGCI_LINT_VERSION#v} "; then
		echo "installing golangci-lint $GOLANGCI_LINT_VERSION"
		go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION" || return 1
	fi
	nice -n 10 "$bin" run --concurrency 1 ./...
}

go_test() { go test -race -count=1 -timeout "$GO_TEST_TIMEOUT" ./...; }

# fuzz_one PKG NAME runs one target for FUZZTIME. Go 1.26's fuzz
# coordinator can end a healthy run with "context deadline exceeded" and no
# failing input (golang/go#75804, fixed in Go 1.27): that case, and only
# when no reproducer was written to testdata/fuzz, is retried (twice).
fuzz_one() {
	local pkg=$1 name=$2 dir out attempt before after
	dir="$(go list -f '{{.Dir}}' "$pkg")/testdata/fuzz/$name"
	for attempt in 1 2 3; do
		before=$(ls "$dir" 2>/dev/null | wc -l)
		out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1)
		local rc=$?
		echo "$out" | tail -n 15
		[ $rc -eq 0 ] && return 0
		after=$(ls "$dir" 2>/dev/null | wc -l)
		if [ "$after" -eq "$before" ] && echo "$out" | grep -q 'context deadline exceeded' &&
			! echo "$out" | grep -q 'Failing input written'; then
			echo "fuzz $name: deadline race of the Go fuzz coordinator (golang/go#75804), no failing input; retry $attempt"
			continue
		fi
		return 1
	done
	return 1
}

# go_fuzz runs every Fuzz* target of every package.
go_fuzz() {
	local pkg name rc=0 n=0
	for pkg in $(go list ./...); do
		for name in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
			n=$((n + 1))
			echo "--- fuzz $pkg $name ($FUZZTIME)"
			if ! fuzz_one "$pkg" "$name"; then
				echo "FAIL: fuzz $pkg $name"
				rc=1
			fi
		done
	done
	echo "$n fuzz targets run"
	return $rc
}

# go_bench runs every benchmark BENCHTIME times (10x by default): they are
# benchmarks, not timed tests, run here only so that they cannot rot.
go_bench() { go test -run '^$' -bench . -benchtime "${BENCHTIME:-10x}" ./...; }

browser_test() {
	local bin
	bin="$(mktemp -d)/argus" || return 1
	go build -o "$bin" ./cmd/argus || return 1
	(cd "$ROOT/test/browser" && ARGUS_BIN="$bin" node --test)
	local rc=$?
	rm -rf "$(dirname "$bin")"
	return $rc
}

# janode_test runs Meetecho's Janode with werift (test/janode): EchoTest
# and Admin API calls over WebSocket and the Unix socket transport.
janode_test() {
	npm_install test/janode || return 1
	local bin
	bin="$(mktemp -d)/argus" || return 1
	go build -o "$bin" ./cmd/argus || return 1
	(cd "$ROOT/test/janode" && ARGUS_BIN="$bin" node --test --test-concurrency=1)
	local rc=$?
	rm -rf "$(dirname "$bin")"
	return $rc
}

# main runs every step; the whole script is read before it starts, so
# editing this file during a run cannot change the run.
main() {
	step "install chromium, prometheus, docker-compose, python3-aiortc and janus (if missing)" install_system_deps
	step "npm ci (test/browser, hep/hepjs)" install_node_deps
	step "start RabbitMQ, Mosquitto and NATS (install if missing)" start_brokers
	step "build Jaeger v2 (cached)" jaeger_build
	step "go vet ./..." go_vet
	step "golangci-lint run (.golangci.yml, installs $GOLANGCI_LINT_VERSION if missing)" golangci_lint
	step "go test -race ./..." go_test
	step "go test -bench (every benchmark, ${BENCHTIME:-10x})" go_bench
	step "fuzz every target for $FUZZTIME" go_fuzz
	step "bench/compare.sh's loss split on made-up counters (bench/losssplit_test.sh)" bash bench/losssplit_test.sh
	step "the fan-out CPU budget on made-up results (bench/budget_test.sh)" bash bench/budget_test.sh
	step "browser tests (janus.js and the demo pages in Chromium: EchoTest, VideoRoom; HTTP + WebSocket)" browser_test
	step "Janode + werift (EchoTest, Admin API; WebSocket + Unix socket)" janode_test

	printf '\n==================== summary ====================\n'
	for i in "${!STEP_NAMES[@]}"; do
		printf '%-5s %6s  %s\n' "${STEP_RESULTS[$i]}" "${STEP_TIMES[$i]}" "${STEP_NAMES[$i]}"
	done
	if [ $FAILED -ne 0 ]; then
		printf 'FAILED\n'
		return 1
	fi
	printf 'ALL PASSED\n'
}

main "$@"
exit $?
