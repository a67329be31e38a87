import sys, re, collections
c = collections.Counter(); own = collections.Counter(); n = 0; frames = []
def flush():
    if n and frames:
        start = frames[-1]
        o = 'pion' if start.startswith('github.com/pion/') else 'argus' if start.startswith('github.com/argusrtc/') else 'other'
        # a goroutine started by Argus code running a pion reader counts as Argus's
        c[(o, start)] += n; own[o] += n
for line in open(sys.argv[1]):
    m = re.match(r'^(\d+) @', line)
    if m:
        flush(); n = int(m.group(1)); frames = []
    m = re.match(r'^#\s+0x[0-9a-f]+\s+(\S+)\+0x', line)
    if m: frames.append(m.group(1))
flush()
tot = sum(own.values()); print('total', tot, dict(own))
for (o, s), v in c.most_common(30): print(f'{v:5d} {o:6s} {s}')
