package janusref

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// maxCollected bounds the events one collector keeps.
const maxCollected = 20000

// event is one event-handler event as posted, numbers kept as json.Number.
type event map[string]any

// collector is the HTTP backend both servers' event handlers post to: a
// JSON array per POST (grouping) or a single object.
type collector struct {
	srv *http.Server
	url string

	mu      sync.Mutex
	events  []event
	bad     []string // bodies that did not decode
	changed chan struct{}
}

// startCollector listens on addr (host:0) until the test ends.
func startCollector(t *testing.T, addr string) *collector {
	t.Helper()
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatalf("collector listen %s: %v", addr, err)
	}
	c := &collector{url: "http://" + ln.Addr().String() + "/events", changed: make(chan struct{})}
	c.srv = &http.Server{Handler: http.HandlerFunc(c.serve), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("collector: %v", err)
		}
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.srv.Shutdown(ctx)
		<-done
	})
	return c
}

func (c *collector) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	batch, err := decodeEvents(raw)
	c.mu.Lock()
	if err != nil {
		c.bad = append(c.bad, fmt.Sprintf("%v: %.200s", err, raw))
	}
	for _, e := range batch {
		if len(c.events) < maxCollected {
			c.events = append(c.events, e)
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// decodeEvents parses one POST body: an array of events or one event.
func decodeEvents(raw []byte) ([]event, error) {
	d := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(raw)))
	d.UseNumber()
	if len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '[' {
		var arr []event
		if err := d.Decode(&arr); err != nil {
			return nil, fmt.Errorf("decode array: %w", err)
		}
		return arr, nil
	}
	var e event
	if err := d.Decode(&e); err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	return []event{e}, nil
}

// snapshot returns the events collected so far.
func (c *collector) snapshot() []event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event(nil), c.events...)
}

// undecoded returns the bodies that were not Janus event JSON.
func (c *collector) undecoded() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.bad...)
}

// wait returns once pred holds for the events collected so far.
func (c *collector) wait(ctx context.Context, what string, pred func([]event) bool) error {
	for {
		c.mu.Lock()
		evs := append([]event(nil), c.events...)
		ch := c.changed
		c.mu.Unlock()
		if pred(evs) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("collector: waiting for %s: %w (%d events)", what, ctx.Err(), len(evs))
		}
	}
}

// num reads a json.Number field of e as uint64 (0 if absent).
func (e event) num(key string) uint64 {
	n, ok := e[key].(json.Number)
	if !ok {
		return 0
	}
	var v uint64
	_, _ = fmt.Sscan(n.String(), &v)
	return v
}

// body is e's "event" object (nil if it is not an object).
func (e event) body() map[string]any {
	b, _ := e["event"].(map[string]any)
	return b
}

// has tells whether evs hold an event of type typ for session sid whose
// body's field key is val.
func has(evs []event, typ, sid uint64, key, val string) bool {
	for _, e := range evs {
		if e.num("type") == typ && e.num("session_id") == sid && e.body()[key] == val {
			return true
		}
	}
	return false
}
