package websocket

import "sync"

// writeQueueShrink is the backing array size above which an emptied
// queue gives its array back: a connection that once had a burst of
// events queued does not keep the memory for it.
const writeQueueShrink = 64

// writeQueue is a connection's queue of messages for the socket: FIFO,
// bounded at limit messages like the channel it replaces, but holding
// memory for what is queued rather than for the limit. A 1024-slot
// channel per connection cost 24 KiB whether or not anything waited
// (about 1 MiB for 40 idle clients); a connection's queue is almost always
// empty or nearly so.
type writeQueue struct {
	limit int
	ready chan struct{} // one-slot wake-up for the writer

	mu   sync.Mutex
	msgs [][]byte // queued from head on
	head int
}

func newWriteQueue(limit int) *writeQueue {
	return &writeQueue{limit: limit, ready: make(chan struct{}, 1)}
}

// push queues msg unless limit messages already wait; it never blocks.
func (q *writeQueue) push(msg []byte) bool {
	q.mu.Lock()
	if len(q.msgs)-q.head >= q.limit {
		q.mu.Unlock()
		return false
	}
	if q.head > 0 && len(q.msgs) == cap(q.msgs) { // slide down instead of growing
		n := copy(q.msgs, q.msgs[q.head:])
		clear(q.msgs[n:])
		q.msgs, q.head = q.msgs[:n], 0
	}
	q.msgs = append(q.msgs, msg)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

// pop takes the oldest message, false when none waits.
func (q *writeQueue) pop() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.msgs) {
		return nil, false
	}
	msg := q.msgs[q.head]
	q.msgs[q.head] = nil
	q.head++
	if q.head == len(q.msgs) {
		if cap(q.msgs) > writeQueueShrink {
			q.msgs = nil
		} else {
			q.msgs = q.msgs[:0]
		}
		q.head = 0
	}
	return msg, true
}

// len is how many messages wait.
func (q *writeQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs) - q.head
}
