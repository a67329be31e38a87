package slownet

import (
	"container/heap"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Link is one direction of a slow link.
type Link struct {
	// Delay is the one-way delay of every packet.
	Delay time.Duration
	// Jitter varies each packet's delay uniformly within ±Jitter.
	Jitter time.Duration
	// Rate is the bits per second the link carries; 0: no limit.
	Rate int64
	// Queue is how many bytes may wait for the link (with a Rate) before
	// packets are dropped; 0: DefaultQueue.
	Queue int
	// Seed makes the jitter reproducible.
	Seed uint64
}

// Bounds of what a slowed socket holds.
const (
	// DefaultQueue is a bottleneck buffer of 64 KiB: half a second at
	// 1 Mbit/s, a common size for a home router's uplink queue.
	DefaultQueue = 64 << 10
	// MaxInFlight packets travel at once per direction: a second of
	// delay at 4000 packets per second, far above a test call's rate.
	MaxInFlight = 4096
	// RecvBuffer is the delivered packets a socket holds until read.
	RecvBuffer = 512
)

// Stats counts the packets of one direction.
type Stats struct {
	Packets   atomic.Int64 // handed to the link
	Delivered atomic.Int64 // came out of it (written to the socket, or queued for a read)
	Dropped   atomic.Int64 // dropped: the queue, the packets in flight or the receive buffer was full
	// MaxDelay is the longest time a packet spent in the link.
	MaxDelay atomic.Int64 // ns
}

func (s *Stats) seenDelay(d time.Duration) {
	for {
		old := s.MaxDelay.Load()
		if int64(d) <= old || s.MaxDelay.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// packet is one datagram in the link.
type packet struct {
	sent, due time.Time
	n         uint64 // arrival order, to keep equal due times in order
	b         []byte
	addr      net.Addr
}

// line is one direction of one socket: the bottleneck queue, then the
// delay. Its run loop delivers packets when they are due.
type line struct {
	link  Link
	stats *Stats

	mu   sync.Mutex
	rnd  *rand.Rand
	free time.Time // when the link has serialised every packet given so far
	n    uint64
	q    packetHeap
	wake chan struct{}
}

func newLine(l Link, st *Stats, seed uint64) *line {
	if l.Queue <= 0 {
		l.Queue = DefaultQueue
	}
	return &line{
		link: l, stats: st, wake: make(chan struct{}, 1),
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), //nolint:gosec // simulated jitter, not security
	}
}

// push hands b (owned by the line from now on) to the link at now; false
// when it was dropped.
func (l *line) push(now time.Time, b []byte, addr net.Addr) bool {
	l.stats.Packets.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.q) >= MaxInFlight {
		l.stats.Dropped.Add(1)
		return false
	}
	start := now
	if l.free.After(now) {
		start = l.free
	}
	if r := l.link.Rate; r > 0 {
		waiting := int64(start.Sub(now)) * r / 8 / int64(time.Second) // bytes not yet serialised
		if waiting+int64(len(b)) > int64(l.link.Queue) {
			l.stats.Dropped.Add(1)
			return false
		}
		start = start.Add(time.Duration(int64(len(b)) * 8 * int64(time.Second) / r))
	}
	l.free = start
	d := l.link.Delay
	if j := l.link.Jitter; j > 0 {
		d += time.Duration(l.rnd.Int64N(2*int64(j)+1)) - j
	}
	l.n++
	heap.Push(&l.q, packet{sent: now, due: start.Add(max(d, 0)), n: l.n, b: b, addr: addr})
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

// run delivers each packet when it is due, until done is closed.
func (l *line) run(done <-chan struct{}, deliver func(packet) bool) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		now := time.Now()
		l.mu.Lock()
		var ready []packet
		for len(l.q) > 0 && !l.q[0].due.After(now) {
			ready = append(ready, heap.Pop(&l.q).(packet)) //nolint:forcetypeassert // the heap holds packets
		}
		wait := time.Duration(-1)
		if len(l.q) > 0 {
			wait = l.q[0].due.Sub(now)
		}
		l.mu.Unlock()
		for _, p := range ready {
			if deliver(p) {
				l.stats.Delivered.Add(1)
				l.stats.seenDelay(now.Sub(p.sent))
			} else {
				l.stats.Dropped.Add(1)
			}
		}
		var tick <-chan time.Time
		if wait >= 0 {
			t.Reset(wait)
			tick = t.C
		}
		select {
		case <-done:
			return
		case <-l.wake:
		case <-tick:
		}
	}
}

// packetHeap orders packets by due time, then by arrival.
type packetHeap []packet

func (h packetHeap) Len() int { return len(h) }
func (h packetHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].n < h[j].n
	}
	return h[i].due.Before(h[j].due)
}
func (h packetHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *packetHeap) Push(x any)   { *h = append(*h, x.(packet)) } //nolint:forcetypeassert // only packets are pushed
func (h *packetHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = packet{}
	*h = old[:len(old)-1]
	return p
}
