package websocket

import (
	"strconv"
	"testing"
)

// TestWriteQueue: messages leave in order whatever the mix of pushes and
// pops; the limit refuses exactly the message past it, as the channel
// did; an empty queue holds no array, and one emptied after a burst gives
// its array back.
func TestWriteQueue(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		ops   string // p: push the next message, o: pop and check order
		full  int    // pushes refused
	}{
		{"push then drain", 4, "ppppoooo", 0},
		{"refuse past the limit", 3, "ppppp", 2},
		{"interleaved, slides down", 4, "ppppoopppoooo", 1},
		{"refused push frees nothing", 2, "pppoopp", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newWriteQueue(tt.limit)
			next, want, full := 0, 0, 0
			queued := map[int]bool{}
			for _, op := range tt.ops {
				switch op {
				case 'p':
					if q.push([]byte(strconv.Itoa(next))) {
						queued[next] = true
					} else {
						full++
					}
					next++
				case 'o':
					for !queued[want] && want < next {
						want++ // refused: never queued
					}
					msg, ok := q.pop()
					if !ok {
						t.Fatalf("pop: empty, want %d", want)
					}
					if string(msg) != strconv.Itoa(want) {
						t.Fatalf("pop %s, want %d", msg, want)
					}
					want++
				}
				if q.len() > tt.limit {
					t.Fatalf("%d queued, limit %d", q.len(), tt.limit)
				}
			}
			if full != tt.full {
				t.Errorf("%d pushes refused, want %d", full, tt.full)
			}
		})
	}
}

func TestWriteQueueMemory(t *testing.T) {
	q := newWriteQueue(DefaultWriteQueue)
	if cap(q.msgs) != 0 {
		t.Fatalf("new queue holds %d slots", cap(q.msgs))
	}
	for i := range DefaultWriteQueue {
		if !q.push([]byte{byte(i)}) {
			t.Fatalf("push %d refused below the limit", i)
		}
	}
	if q.push([]byte{0}) {
		t.Fatal("push past the limit accepted")
	}
	for range DefaultWriteQueue {
		if _, ok := q.pop(); !ok {
			t.Fatal("queue emptied early")
		}
	}
	if _, ok := q.pop(); ok {
		t.Fatal("pop from an empty queue")
	}
	if cap(q.msgs) != 0 {
		t.Fatalf("drained queue keeps %d slots", cap(q.msgs))
	}
	// Steady traffic keeps a small array.
	for i := range 10 * writeQueueShrink {
		q.push([]byte{byte(i)})
		q.push([]byte{byte(i)})
		q.pop()
		q.pop()
	}
	if c := cap(q.msgs); c > writeQueueShrink {
		t.Fatalf("two-deep traffic grew the array to %d", c)
	}
}
