package janusclient

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// maxInbox bounds the messages an Inbox keeps unconsumed; past it the
// oldest is dropped (a test that never waits for them does not need them).
const maxInbox = 4096

// Inbox collects a client's asynchronous messages so that waiters in any
// goroutine can each consume the message they want without losing the
// others. It owns one goroutine, ended by Close.
type Inbox struct {
	mu      sync.Mutex
	msgs    []Msg
	dropped int
	changed chan struct{}
	quit    chan struct{}
	done    chan struct{}
}

// NewInbox starts collecting c.Events().
func NewInbox(c Client) *Inbox {
	in := &Inbox{changed: make(chan struct{}), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(in.done)
		for {
			var m Msg
			select {
			case m = <-c.Events():
			case <-in.quit:
				return
			}
			in.add(m)
		}
	}()
	return in
}

func (in *Inbox) add(m Msg) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.msgs) >= maxInbox {
		in.msgs = in.msgs[1:]
		in.dropped++
	}
	in.msgs = append(in.msgs, m)
	close(in.changed)
	in.changed = make(chan struct{})
}

// Close stops the collecting goroutine.
func (in *Inbox) Close() {
	select {
	case <-in.quit:
	default:
		close(in.quit)
	}
	<-in.done
}

// Wait consumes and returns the first message, collected before or
// arriving now, that matches pred.
func (in *Inbox) Wait(ctx context.Context, what string, pred func(Msg) bool) (Msg, error) {
	for {
		in.mu.Lock()
		for i, m := range in.msgs {
			if pred(m) {
				in.msgs = append(in.msgs[:i:i], in.msgs[i+1:]...)
				in.mu.Unlock()
				return m, nil
			}
		}
		ch := in.changed
		seen := in.describeLocked()
		in.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w; unconsumed %s", what, ctx.Err(), seen)
		}
	}
}

// Take consumes and returns every collected message matching pred.
func (in *Inbox) Take(pred func(Msg) bool) []Msg {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []Msg
	kept := in.msgs[:0:0]
	for _, m := range in.msgs {
		if pred(m) {
			out = append(out, m)
		} else {
			kept = append(kept, m)
		}
	}
	in.msgs = kept
	return out
}

func (in *Inbox) describeLocked() string {
	b, err := json.Marshal(in.msgs)
	if err != nil {
		return fmt.Sprint(in.msgs)
	}
	if in.dropped > 0 {
		return fmt.Sprintf("%s (and %d older dropped)", b, in.dropped)
	}
	return string(b)
}
