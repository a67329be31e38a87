#!/bin/bash
# prints the markdown table rows from the result JSONs
# usage: table.sh DIR; DIR holds one compare.sh OUT directory per run, named as in the table
cd "${1:-.}"
echo "| run | build | load | loss % (audio / video) | recv packets | NACKs to publisher | fan-out drops | server / load tool CPU peak % | load avg before |"
echo "|---|---|---|---|---|---|---|---|---|"
for d in base-300-p1 new-300-p1 new-300-p2 base-300-p2 new-300-p3 base-300-p3 newprof-300 baseprof-300 base-300-p4 new-300-p4 new2-300-p5 base-300-p5 new-50-p1 new2-50-p2 new-500-u1 base-500-u1 base-500-u2 new-500-u2; do
  f=$(ls $d/*.result.json 2>/dev/null) || continue
  [ -z "$f" ] && continue
  b=${d%%-*}; case $b in base|baseprof) bn="base";; new|newprof) bn="new (q128)";; new2) bn="new (q256)";; esac
  case $d in *prof*) bn="$bn, pprof";; esac
  l=$(jq -r '"1 → \(.subscribers_per_publisher)"' $f); case $d in *-u*) l="$l, unpinned";; *) l="$l, pinned";; esac
  drops=$(grep -o 'drops=[0-9]*' $d/argus.log | cut -d= -f2 | paste -sd+ | bc); [ -z "$drops" ] && drops=0; case $b in base*) drops="—";; esac
  jq -r --arg d "$d" --arg bn "$bn" --arg l "$l" --arg drops "$drops" '"| `\($d)` | \($bn) | \($l) (up \(.subscribers_ok)) | \(.total.loss_pct*10|round/10) (\(.audio.loss_pct*10|round/10) / \(.video.loss_pct*10|round/10)) | \(.total.recv_packets) | \(.rtcp.nacks) | \($drops) | \(.server_cpu_peak_pct) / \(.load_cpu_peak_pct) | \(.loadavg_1m_before) |"' $f
done
