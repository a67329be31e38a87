package http

import (
	"log/slog"
	"sync"
	"time"

	"github.com/argusrtc/argus/core"
)

// queue holds one session's undelivered asynchronous messages.
type queue struct {
	mu    sync.Mutex
	msgs  [][]byte
	bytes int           // of msgs
	wake  chan struct{} // closed (and replaced) on every push and when over
	over  bool
	used  time.Time // creation or last poll; guarded by queues.mu
}

// pop removes and returns up to n messages, and the channel that will be
// closed on the next push (valid when none were returned).
func (q *queue) pop(n int) ([][]byte, <-chan struct{}, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n > len(q.msgs) {
		n = len(q.msgs)
	}
	out := q.msgs[:n:n]
	q.msgs = q.msgs[n:]
	for _, m := range out {
		q.bytes -= len(m)
	}
	if len(q.msgs) == 0 {
		q.msgs = nil
	}
	return out, q.wake, q.over
}

func (q *queue) signal() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// queues maps sessions to their queues.
//
// A queue normally ends with SessionOver. As a backstop against a message
// pushed after SessionOver (which would recreate the queue), push sweeps,
// at most once per idle period, queues nobody polled for an idle period:
// a live long-poll client polls at least every LongPollTimeout, so such a
// queue belongs to a dead session or to a client that is not polling.
type queues struct {
	size     int
	maxBytes int // of one queue; 0: count bound only
	idle     time.Duration
	log      *slog.Logger
	now      func() time.Time
	// dropped counts messages a full queue dropped (nil: not counted).
	dropped DropCounter

	mu        sync.Mutex
	m         map[core.SessionID]*queue
	lastSweep time.Time
}

// minIdle is the shortest idle period: five default session timeouts.
const minIdle = 5 * time.Minute

func newQueues(size int, longPoll time.Duration, log *slog.Logger) *queues {
	return &queues{
		size: size, idle: max(minIdle, 2*longPoll), log: log, now: time.Now,
		m: map[core.SessionID]*queue{}, lastSweep: time.Now(),
	}
}

// get returns session s's queue, creating it; poll marks it used.
func (qs *queues) get(s core.SessionID, poll bool) *queue {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	now := qs.now()
	q, ok := qs.m[s]
	if !ok {
		q = &queue{wake: make(chan struct{}), used: now}
		qs.m[s] = q
	}
	if poll {
		q.used = now
	}
	if now.Sub(qs.lastSweep) >= qs.idle {
		qs.sweepLocked(now)
	}
	return q
}

// has reports whether session s has a queue (it was polled or pushed to,
// and has not ended).
func (qs *queues) has(s core.SessionID) bool {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	_, ok := qs.m[s]
	return ok
}

// sweepLocked drops queues unused for the idle period.
func (qs *queues) sweepLocked(now time.Time) {
	qs.lastSweep = now
	for s, q := range qs.m {
		if now.Sub(q.used) >= qs.idle {
			delete(qs.m, s)
			qs.log.Debug("http transport: dropping unpolled session queue", slog.Uint64("session_id", uint64(s)))
		}
	}
}

// push appends msg to session s's queue, dropping the oldest messages
// while it holds more than size messages or maxBytes bytes (the newest
// message is always kept).
func (qs *queues) push(s core.SessionID, msg []byte) {
	q := qs.get(s, false)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, msg)
	q.bytes += len(msg)
	drop := 0
	for n := len(q.msgs); drop < n-1 && (n-drop > qs.size || (qs.maxBytes > 0 && q.bytes > qs.maxBytes)); drop++ {
		q.bytes -= len(q.msgs[drop])
	}
	if drop > 0 {
		n := copy(q.msgs, q.msgs[drop:])
		clear(q.msgs[n:])
		q.msgs = q.msgs[:n]
		// Counted, not logged at warn: a client that stops polling would
		// otherwise write a log line per event.
		if qs.dropped != nil {
			qs.dropped.Refused(LimitLongPollQueue, drop)
		}
		qs.log.Debug("http transport: session event queue full, dropping oldest",
			slog.Uint64("session_id", uint64(s)), slog.Int("dropped", drop),
			slog.Int("size", qs.size), slog.Int("max_bytes", qs.maxBytes))
	}
	q.signal()
}

// end deletes session s's queue; polls parked on it wake up and take what
// is left (so a final "timeout" reaches a poll parked at that moment).
func (qs *queues) end(s core.SessionID) {
	qs.mu.Lock()
	q, ok := qs.m[s]
	delete(qs.m, s)
	qs.mu.Unlock()
	if !ok {
		return
	}
	q.mu.Lock()
	q.over = true
	q.signal()
	q.mu.Unlock()
}

// len reports how many sessions have a queue.
func (qs *queues) len() int {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	return len(qs.m)
}
