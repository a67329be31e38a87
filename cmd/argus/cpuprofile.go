//go:build cpuprofile

// This file is compiled only with -tags cpuprofile (bench/pgo.sh builds
// Argus so to collect the profile behind cmd/argus/default.pgo). It is
// not part of a normal build: no profiling code runs in the gateway.

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

// With ARGUS_CPUPROFILE=FILE, a CPU profile is recorded from
// ARGUS_CPUPROFILE_AFTER (a duration after start, default 0) for
// ARGUS_CPUPROFILE_FOR (default 30s) and written to FILE.
func init() {
	path := os.Getenv("ARGUS_CPUPROFILE")
	if path == "" {
		return
	}
	after, err := envDuration("ARGUS_CPUPROFILE_AFTER", 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "argus:", err)
		os.Exit(2)
	}
	span, err := envDuration("ARGUS_CPUPROFILE_FOR", 30*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "argus:", err)
		os.Exit(2)
	}
	go func() {
		time.Sleep(after)
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "argus: cpu profile:", err)
			return
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "argus: cpu profile:", err)
			return
		}
		time.Sleep(span)
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "argus: cpu profile written to", path)
	}()
}

func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}
