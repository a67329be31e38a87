#!/usr/bin/env bash
set -u
for i in 1 2 3; do for v in base new; do (cd "$W/telemetry/httpevh" && "$OLDPWD/httpevh-$v.test" -test.run '^$' -test.bench 'BenchmarkPost' -test.benchmem -test.benchtime 1000x 2>&1 | grep '^Benchmark' | sed "s/^/$v /"); done; done
