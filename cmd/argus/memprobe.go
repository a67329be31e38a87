//go:build memprobe

// This file is compiled only with -tags memprobe, to see where Argus's
// resident memory goes under a load (docs/BENCHMARKS.md, Round 6 —
// memory). It is not part of a normal build: no profiling code runs in
// the gateway.

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// memprobeMetrics are the runtime's memory classes (they add up to what it
// has mapped) and the GC's state, printed in MiB or as counts.
var memprobeMetrics = []string{ //nolint:gochecknoglobals // a build-tagged diagnostic
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/metadata/other:bytes",
	"/memory/classes/metadata/mspan/inuse:bytes",
	"/memory/classes/other:bytes",
	"/memory/classes/profiling/buckets:bytes",
	"/gc/heap/live:bytes",
	"/gc/heap/goal:bytes",
	"/gc/heap/allocs:bytes",
	"/gc/cycles/total:gc-cycles",
	"/sched/goroutines:goroutines",
	"/cpu/classes/gc/total:cpu-seconds",
}

// With ARGUS_MEMPROBE=FILE, every 0.5 s a line goes to FILE: the process's
// VmRSS, RssAnon and RssFile (KiB, from /proc/self/status) and the
// runtime metrics above. Each time VmRSS passes its highest value by
// 1 MiB, FILE.heap (heap profile), FILE.goroutines (goroutine profile)
// and FILE.smaps (/proc/self/smaps) are rewritten, so they describe the
// peak. ARGUS_MEMPROFILERATE sets runtime.MemProfileRate (default 512 KiB:
// a coarse heap profile; a smaller rate costs CPU and heap).
func init() {
	path := os.Getenv("ARGUS_MEMPROBE")
	if path == "" {
		return
	}
	if v := os.Getenv("ARGUS_MEMPROFILERATE"); v != "" {
		rate, err := strconv.Atoi(v)
		if err != nil {
			fmt.Fprintln(os.Stderr, "argus: ARGUS_MEMPROFILERATE:", err)
			os.Exit(2)
		}
		runtime.MemProfileRate = rate
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "argus: memprobe:", err)
		os.Exit(2)
	}
	go memprobe(f, path)
}

func memprobe(f *os.File, path string) {
	samples := make([]rtmetrics.Sample, len(memprobeMetrics))
	for i, name := range memprobeMetrics {
		samples[i].Name = name
	}
	start := time.Now()
	var peak int64
	for range time.Tick(500 * time.Millisecond) {
		st := procStatus()
		rtmetrics.Read(samples)
		var b strings.Builder
		fmt.Fprintf(&b, "t=%.1f rss=%d anon=%d file=%d", time.Since(start).Seconds(), st["VmRSS"], st["RssAnon"], st["RssFile"])
		for _, s := range samples {
			name := strings.TrimPrefix(s.Name, "/memory/classes/")
			switch s.Value.Kind() {
			case rtmetrics.KindUint64:
				if strings.HasSuffix(s.Name, ":bytes") {
					fmt.Fprintf(&b, " %s=%.1fMiB", strings.TrimSuffix(name, ":bytes"), float64(s.Value.Uint64())/(1<<20))
				} else {
					fmt.Fprintf(&b, " %s=%d", name, s.Value.Uint64())
				}
			case rtmetrics.KindFloat64:
				fmt.Fprintf(&b, " %s=%.3f", name, s.Value.Float64())
			default:
			}
		}
		fmt.Fprintln(f, b.String())
		if st["VmRSS"] > peak+1024 {
			peak = st["VmRSS"]
			writeProfile(path+".heap", "heap", 0)
			writeProfile(path+".goroutines", "goroutine", 1)
			if sm, err := os.ReadFile("/proc/self/smaps"); err == nil {
				_ = os.WriteFile(path+".smaps", sm, 0o600)
			}
		}
	}
}

func writeProfile(path, name string, debug int) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup(name).WriteTo(f, debug)
}

// procStatus reads the KiB fields of /proc/self/status.
func procStatus() map[string]int64 {
	m := map[string]int64{}
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return m
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
			m[k] = n
		}
	}
	return m
}
