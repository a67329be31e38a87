#!/usr/bin/env bash
set -u
for i in 1 2 3; do for v in base new; do (cd "$W/hep/homer" && "$OLDPWD/homer-$v.test" -test.run '^$' -test.bench 'BenchmarkSinkExport/(tcp|udp)/(log|typed-media)' -test.benchmem -test.benchtime 200x 2>&1 | grep '^Benchmark' | sed "s/^/$v /"); done; done
