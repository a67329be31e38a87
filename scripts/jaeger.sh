#!/usr/bin/env bash
# Builds the Jaeger v2 binary that the trace tests use as the trace store,
# from the build recipe in tools/jaeger (a Go module that repeats the replace
# directive of Jaeger's go.mod, which is why `go install` cannot build it).
# The binary goes to a cache outside the repository, keyed by the Jaeger
# version, and is built only when it is not there yet (about 8 minutes on two
# cores). Prints the binary's path on the last line of stdout.
#
#   bash scripts/jaeger.sh            # build if missing, print the path
#
# Environment:
#   ARGUS_CACHE   cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/argus)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../tools/jaeger"
version=$(awk '$1 == "github.com/jaegertracing/jaeger" { print $2; exit }' go.mod)
if [ -z "$version" ]; then
	version=$(awk '$1 == "require" && $2 == "github.com/jaegertracing/jaeger" { print $3; exit }' go.mod)
fi
[ -n "$version" ] || { echo "jaeger.sh: no jaeger version in tools/jaeger/go.mod" >&2; exit 1; }

cache=${ARGUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/argus}
dir="$cache/jaeger-$version"
bin="$dir/jaeger"
if [ -x "$bin" ]; then
	echo "jaeger $version already built" >&2
	echo "$bin"
	exit 0
fi
mkdir -p "$dir"
echo "building jaeger $version into $dir (several minutes)" >&2
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
go build -trimpath -o "$tmp" github.com/jaegertracing/jaeger/cmd/jaeger
mv "$tmp" "$bin"
echo "$bin"
