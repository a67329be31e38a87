#!/usr/bin/env bash
# summary.sh DIR: one line per compare.sh run of ab.sh (load, arm, repeat, its table row) and per-arm medians.
d=${1:-.}
printf "| run | start (UTC) | load avg | server | CPU µs/received pkt | RSS max MiB | loss %% | sent %% of offered | server CPU s |\n|---|---|---|---|---|---|---|---|---|\n"
while read -r ts arm load rep la; do
  [ "$arm" = done ] && continue
  r="$d/$load-$arm-$rep"
  row=$(tail -n 1 "$r/table.md" 2>/dev/null)
  cpu=$(jq -r '.cpu_s' "$r"/*-1.result.json 2>/dev/null | head -1)
  echo "$row" | awk -F'|' -v n="$load-$arm-$rep" -v ts="$ts" -v la="${la#load=}" -v cpu="$cpu" '{gsub(/ /, "", $6); gsub(/ /, "", $7); gsub(/ /, "", $8); gsub(/ /, "", $12); printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, ts, la, $3, $6, $7, $8, $12, cpu}'
done < "$d/load.txt"
echo
echo "medians per load and arm (RSS MiB, µs/received pkt):"
while read -r ts arm load rep la; do
  [ "$arm" = done ] && continue
  r="$d/$load-$arm-$rep"; row=$(tail -n 1 "$r/table.md" 2>/dev/null)
  echo "$row" | awk -F'|' -v k="$load $arm" '{print k, $7 + 0, $6 + 0}'
done < "$d/load.txt" | sort | awk '{k = $1 " " $2; r[k] = r[k] " " $3; c[k] = c[k] " " $4} END {for (k in r) {n = split(r[k], a, " "); asort(a); m = split(c[k], b, " "); asort(b); printf "%-14s n=%d RSS median %.2f (%s ) µs median %.2f (%s )\n", k, n, (a[int((n + 1) / 2)] + a[int(n / 2) + 1]) / 2, r[k], (b[int((m + 1) / 2)] + b[int(m / 2) + 1]) / 2, c[k]}}' | sort
