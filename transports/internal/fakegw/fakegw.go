// Package fakegw is a test double of the core gateway for the transport
// tests: it creates sessions, remembers each session's source client and lets
// a test push events to it, without depending on package core's dispatch.
package fakegw

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/argusrtc/argus/core"
)

// Call records one HandleJanus/HandleAdmin call.
type Call struct {
	Admin bool
	Info  core.TransportInfo
	Raw   string
	Path  core.PathIDs
}

// Gateway is the fake. The zero value is not usable; call New.
type Gateway struct {
	// Secret, when set, is the only apisecret CheckAuth accepts; Token, when
	// set, is the only token it accepts (either suffices).
	Secret, Token string

	next    atomic.Uint64
	touches atomic.Int64

	mu       sync.Mutex
	sessions map[core.SessionID]core.Client
	calls    []Call
	gone     chan core.Client
	block    chan struct{} // when non-nil, "message" requests wait on it
}

// New returns an empty fake gateway.
func New() *Gateway {
	g := &Gateway{sessions: map[core.SessionID]core.Client{}, gone: make(chan core.Client, 64)}
	g.next.Store(1000)
	return g
}

type request struct {
	Janus       string         `json:"janus"`
	Transaction string         `json:"transaction"`
	SessionID   core.SessionID `json:"session_id"`
	HandleID    core.HandleID  `json:"handle_id"`
}

// HandleJanus answers create, info, ping, destroy, message (ack), keepalive,
// and echoes the effective session/handle ids in "success" otherwise.
func (g *Gateway) HandleJanus(ctx context.Context, c core.Client, raw []byte, p core.PathIDs) []byte {
	return g.handle(ctx, false, c, raw, p)
}

// HandleAdmin behaves as HandleJanus, recorded as an admin call.
func (g *Gateway) HandleAdmin(ctx context.Context, c core.Client, raw []byte, p core.PathIDs) []byte {
	return g.handle(ctx, true, c, raw, p)
}

func (g *Gateway) handle(ctx context.Context, admin bool, c core.Client, raw []byte, p core.PathIDs) []byte {
	g.mu.Lock()
	g.calls = append(g.calls, Call{Admin: admin, Info: c.Info(), Raw: string(raw), Path: p})
	block := g.block
	g.mu.Unlock()
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		return []byte(`{"janus":"error","error":{"code":454,"reason":"Invalid JSON"}}`)
	}
	if p.Session != 0 {
		req.SessionID = p.Session
	}
	if p.Handle != 0 {
		req.HandleID = p.Handle
	}
	out := map[string]any{"transaction": req.Transaction}
	switch strings.ToLower(req.Janus) {
	case "info":
		out["janus"] = "server_info"
		out["name"] = "fake"
	case "ping":
		out["janus"] = "pong"
	case "create":
		id := core.SessionID(g.next.Add(1))
		g.mu.Lock()
		g.sessions[id] = c
		g.mu.Unlock()
		out["janus"] = "success"
		out["data"] = map[string]any{"id": id}
	case "destroy":
		g.mu.Lock()
		src, ok := g.sessions[req.SessionID]
		delete(g.sessions, req.SessionID)
		g.mu.Unlock()
		if !ok {
			return []byte(`{"janus":"error","error":{"code":458,"reason":"No such session"}}`)
		}
		src.SessionOver(req.SessionID, false, false)
		out["janus"] = "success"
		out["session_id"] = req.SessionID
	case "message":
		if block != nil {
			select {
			case <-block:
			case <-ctx.Done():
			}
		}
		out["janus"] = "ack"
		out["session_id"] = req.SessionID
	default:
		out["janus"] = "success"
		out["verb"] = req.Janus
		out["session_id"] = req.SessionID
		out["handle_id"] = req.HandleID
	}
	b, _ := json.Marshal(out)
	return b
}

// CheckAuth implements the either-or rule over Secret and Token.
func (g *Gateway) CheckAuth(apisecret, token string) bool {
	if g.Secret == "" && g.Token == "" {
		return true
	}
	return (g.Secret != "" && apisecret == g.Secret) || (g.Token != "" && token == g.Token)
}

// Touch reports whether session s exists, counting the call.
func (g *Gateway) Touch(s core.SessionID) bool {
	g.touches.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.sessions[s]
	return ok
}

// TransportGone records c on the Gone channel.
func (g *Gateway) TransportGone(c core.Client) {
	select {
	case g.gone <- c:
	default:
	}
}

// Gone delivers every client passed to TransportGone.
func (g *Gateway) Gone() <-chan core.Client { return g.gone }

// Touches counts Touch calls.
func (g *Gateway) Touches() int64 { return g.touches.Load() }

// Push sends msg to the source client of session s; false if no such session.
func (g *Gateway) Push(s core.SessionID, msg string) bool {
	g.mu.Lock()
	c, ok := g.sessions[s]
	g.mu.Unlock()
	if ok {
		c.Push(s, []byte(msg))
	}
	return ok
}

// Source returns the client that created session s.
func (g *Gateway) Source(s core.SessionID) (core.Client, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.sessions[s]
	return c, ok
}

// End destroys session s as a timeout would: SessionOver(timedOut=true) on
// its source.
func (g *Gateway) End(s core.SessionID) {
	g.mu.Lock()
	c, ok := g.sessions[s]
	delete(g.sessions, s)
	g.mu.Unlock()
	if ok {
		c.SessionOver(s, true, false)
	}
}

// Forget removes session s as the core does when a teardown starts (Touch
// fails from now on); the returned func ends it on its source
// (SessionOver), as the core does once its handles are gone.
func (g *Gateway) Forget(s core.SessionID) (over func()) {
	g.mu.Lock()
	c, ok := g.sessions[s]
	delete(g.sessions, s)
	g.mu.Unlock()
	return func() {
		if ok {
			c.SessionOver(s, false, false)
		}
	}
}

// BlockMessages makes "message" requests wait until the returned func is
// called (or their context ends).
func (g *Gateway) BlockMessages() (release func()) {
	ch := make(chan struct{})
	g.mu.Lock()
	g.block = ch
	g.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// Calls returns a copy of every recorded call.
func (g *Gateway) Calls() []Call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Call(nil), g.calls...)
}
