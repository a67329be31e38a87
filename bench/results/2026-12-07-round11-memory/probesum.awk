# probesum.awk: one memprobe file -> ramp allocations, GC cycles, live heap, peak RSS.
# ramp: from the first sample with goroutines > idle+20 (idle: the fewest in the first 10 samples; the warm-up session adds ~12) to the first sample at the run's
# goroutine maximum; steady: from there for 8 s.
function v(s,  a) { split(s, a, "="); sub(/MiB$/, "", a[2]); return a[2] + 0 }
{
  n++; t[n] = v($1); rss[n] = v($2); anon[n] = v($3)
  for (i = 4; i <= NF; i++) {
    split($i, kv, "=")
    k = kv[1]
    if (k == "/gc/heap/allocs") al[n] = v($i)
    if (k == "/gc/heap/live") lv[n] = v($i)
    if (k == "/gc/heap/goal") gl[n] = v($i)
    if (k == "/gc/cycles/total:gc-cycles") gc[n] = v($i)
    if (k == "/sched/goroutines:goroutines") g[n] = v($i)
    if (k == "/cpu/classes/gc/total:cpu-seconds") gcs[n] = v($i)
  }
}
END {
  idle = g[1]; for (i = 2; i <= 10 && i <= n; i++) if (g[i] < idle) idle = g[i]
  gmax = 0; rmax = 0
  for (i = 1; i <= n; i++) { if (g[i] > gmax) gmax = g[i]; if (rss[i] > rmax) rmax = rss[i] }
  for (i = 1; i <= n; i++) if (!s && g[i] > idle + 20) s = i
  for (i = 1; i <= n; i++) if (!e && g[i] == gmax) e = i
  for (i = e; i <= n && t[i] < t[e] + 8; i++) f = i
  printf "ramp %.1f-%.1fs allocs %.1f MiB gc %d (gc cpu %.2fs) | after ramp: live %.1f goal %.1f | steady %.1fs: allocs %.2f MiB/s gc %d | peak rss %.1f MiB anon %.1f | goroutines %d\n",
    t[s], t[e], al[e] - al[s - 1], gc[e] - gc[s - 1], gcs[e] - gcs[s - 1], lv[e], gl[e], t[f] - t[e], (al[f] - al[e]) / (t[f] - t[e]), gc[f] - gc[e], rmax / 1024, anon[n] / 1024, gmax
}
