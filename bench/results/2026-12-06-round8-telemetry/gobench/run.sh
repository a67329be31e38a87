#!/usr/bin/env bash
# Interleaved base/new runs of the changed paths' benchmarks (test binaries built
# with go test -c at the base commit, benchmark files from the branch, and at the branch).
set -u
run() { # pkg dir regexp benchtime
	for i in 1 2 3; do
		for v in base new; do
			(cd "$2" && "$OLDPWD/$1-$v.test" -test.run '^$' -test.bench "$3" -test.benchmem -test.benchtime "$4" 2>&1 | grep '^Benchmark' | sed "s/^/$v /")
		done
	done
}
W=${W:?}
run httpevh $W/telemetry/httpevh 'BenchmarkPost' 1000x
run evhkit $W/telemetry/evhkit 'BenchmarkMarshalEvents|BenchmarkIndent/indent$' 20000x
run homer $W/hep/homer 'BenchmarkSinkExport/(tcp|udp)/(log|typed-media)|BenchmarkMapperScript' 200x
run prom $W/telemetry/prom 'BenchmarkEmitAndRead/media-report' 20000x
