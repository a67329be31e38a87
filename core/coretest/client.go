// Package coretest provides test doubles for the core: a recording
// transport Client, a small fake plugin, and the Host, Handle and Observer
// that plugin tests drive a plugin with.
package coretest

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/argusrtc/argus/core"
)

// ErrTimeout is returned by the Wait helpers when nothing matched in time.
var ErrTimeout = errors.New("coretest: timed out waiting")

// Pushed is one asynchronous message a Client received.
type Pushed struct {
	Session core.SessionID
	Raw     []byte
	JSON    map[string]any // Raw decoded (numbers as json.Number)
}

// Over is one SessionOver call.
type Over struct {
	Session  core.SessionID
	TimedOut bool
	Claimed  bool
}

// Client is a thread-safe core.Client that records what the core sends it.
type Client struct {
	info core.TransportInfo

	mu      sync.Mutex
	pushed  []Pushed
	overs   []Over
	changed chan struct{} // closed and replaced on every record
}

// NewClient returns a Client whose Info has the given package and ConnID.
func NewClient(pkg string, connID uint64) *Client {
	return &Client{
		info:    core.TransportInfo{Package: pkg, ConnID: connID, RemoteIP: "127.0.0.1", RemotePort: 50000},
		changed: make(chan struct{}),
	}
}

// NewClientAt returns a Client of a transport that knows its client's
// address (HTTP, WebSocket): RemoteIP ip, counted by
// core.Limits.MaxSessionsPerIP (TransportInfo.PerIP).
func NewClientAt(pkg string, connID uint64, ip string) *Client {
	c := NewClient(pkg, connID)
	c.info.RemoteIP, c.info.PerIP = ip, true
	return c
}

// Info returns the transport info given to NewClient.
func (c *Client) Info() core.TransportInfo { return c.info }

// Push records an asynchronous message.
func (c *Client) Push(s core.SessionID, msg []byte) {
	p := Pushed{Session: s, Raw: append([]byte(nil), msg...)}
	p.JSON = Decode(msg)
	c.mu.Lock()
	c.pushed = append(c.pushed, p)
	c.signalLocked()
	c.mu.Unlock()
}

// SessionOver records the call.
func (c *Client) SessionOver(s core.SessionID, timedOut, claimed bool) {
	c.mu.Lock()
	c.overs = append(c.overs, Over{Session: s, TimedOut: timedOut, Claimed: claimed})
	c.signalLocked()
	c.mu.Unlock()
}

func (c *Client) signalLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Messages returns a copy of the pushed messages so far.
func (c *Client) Messages() []Pushed {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Pushed(nil), c.pushed...)
}

// Overs returns a copy of the SessionOver calls so far.
func (c *Client) Overs() []Over {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Over(nil), c.overs...)
}

// WaitFor waits up to timeout for a pushed message matching pred (checking
// those already received first) and returns it.
func (c *Client) WaitFor(timeout time.Duration, pred func(Pushed) bool) (Pushed, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		c.mu.Lock()
		list, ch := c.pushed, c.changed
		c.mu.Unlock()
		for ; seen < len(list); seen++ {
			if pred(list[seen]) {
				return list[seen], nil
			}
		}
		select {
		case <-ch:
		case <-deadline.C:
			return Pushed{}, ErrTimeout
		}
	}
}

// WaitJanus waits for a pushed message whose "janus" is kind.
func (c *Client) WaitJanus(kind string, timeout time.Duration) (Pushed, error) {
	return c.WaitFor(timeout, func(p Pushed) bool { return p.JSON["janus"] == kind })
}

// WaitOver waits for a SessionOver call about session s.
func (c *Client) WaitOver(s core.SessionID, timeout time.Duration) (Over, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		list, ch := c.overs, c.changed
		c.mu.Unlock()
		for _, o := range list {
			if o.Session == s {
				return o, nil
			}
		}
		select {
		case <-ch:
		case <-deadline.C:
			return Over{}, ErrTimeout
		}
	}
}

// Decode parses a JSON object with numbers kept as json.Number; nil if not an object.
func Decode(b []byte) map[string]any {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

var _ core.Client = (*Client)(nil)
