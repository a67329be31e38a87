package http

import (
	"log/slog"
	"sync"

	"github.com/argusrtc/argus/core"
)

// queue holds one session's undelivered asynchronous messages.
type queue struct {
	mu   sync.Mutex
	msgs [][]byte
	wake chan struct{} // closed (and replaced) on every push and when over
	over bool
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
type queues struct {
	size int
	log  *slog.Logger

	mu sync.Mutex
	m  map[core.SessionID]*queue
}

func newQueues(size int, log *slog.Logger) *queues {
	return &queues{size: size, log: log, m: map[core.SessionID]*queue{}}
}

// get returns session s's queue, creating it.
func (qs *queues) get(s core.SessionID) *queue {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q, ok := qs.m[s]
	if !ok {
		q = &queue{wake: make(chan struct{})}
		qs.m[s] = q
	}
	return q
}

// push appends msg to session s's queue, dropping the oldest message when full.
func (qs *queues) push(s core.SessionID, msg []byte) {
	q := qs.get(s)
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) >= qs.size {
		n := copy(q.msgs, q.msgs[1:])
		q.msgs = q.msgs[:n]
		qs.log.Warn("http transport: session event queue full, dropping oldest",
			slog.Uint64("session_id", uint64(s)), slog.Int("size", qs.size))
	}
	q.msgs = append(q.msgs, msg)
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
