#!/usr/bin/env python3
# owner.py: reads `go tool pprof -traces` output (a heap profile, inuse_space)
# and sums each sample's value under the innermost frame that belongs to
# pion or to Argus; anything else is "go/std+other".
import sys, re, collections
tot = collections.Counter(); sub = collections.Counter()
unit = {'B':1,'kB':1e3,'KB':1e3,'MB':1e6,'GB':1e9}
cur = None
def flush():
    global cur
    if not cur: return
    v, frames = cur
    owner = 'go/std+other'; detail = frames[0] if frames else '?'
    for f in frames:
        if f.startswith('github.com/pion/'):
            owner = 'pion'; detail = f; break
        if f.startswith('github.com/argusrtc/'):
            owner = 'argus'; detail = f; break
    tot[owner] += v; sub[(owner, detail)] += v
    cur = None
for line in sys.stdin:
    if line.startswith('-----------'):
        flush(); continue
    m = re.match(r'^\s+([\d.]+)([kKMG]?B)?\s{2,}(\S.*)$', line)
    if m and cur is None:
        v = float(m.group(1)) * unit.get(m.group(2) or 'B', 1)
        cur = (v, [m.group(3).strip()])
    elif cur is not None and line.strip() and not line.strip().startswith('bytes:'):
        cur[1].append(line.strip())
flush()
all_ = sum(tot.values()) or 1
print(f'total {all_/1e6:.2f} MB')
for k, v in tot.most_common():
    print(f'{k:14s} {v/1e6:7.2f} MB  {100*v/all_:5.1f} %')
print('--- top frames')
for (o, d), v in sub.most_common(22):
    print(f'{o:6s} {v/1e6:6.2f} MB  {d}')
