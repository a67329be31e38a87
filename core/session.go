package core

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// endReason says why a session ends.
type endReason int

const (
	endDestroyed endReason = iota // Janus destroy, Admin destroy_session, transport gone, shutdown
	endTimeout
)

// session is one Janus session.
type session struct {
	id      SessionID
	addr    string // the client's address as the per-address limits key it (Gateway.clientAddr); "" when its transport has none
	g       *Gateway
	log     *slog.Logger
	created time.Time

	// lastActivity is when the last request came, as nanoseconds since
	// g.epoch on the monotonic clock (a wall-clock step moves neither the
	// timeouts nor handle_info's session_last_activity).
	lastActivity atomic.Int64

	mu        sync.Mutex
	source    Client
	gone      bool  // the source transport went away (awaiting claim)
	timeout   int64 // per-session override in seconds: -1 global, 0 never
	handles   map[HandleID]*handle
	destroyed bool
}

func (s *session) touch() { s.lastActivity.Store(int64(time.Since(s.g.epoch))) }

// lastActive is when the last request came, with a monotonic reading.
func (s *session) lastActive() time.Time {
	return s.g.epoch.Add(time.Duration(s.lastActivity.Load()))
}

// handleList snapshots the session's handles.
func (s *session) handleList() []*handle { return lockedValues(&s.mu, s.handles) }

func (s *session) handle(id HandleID) *handle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handles[id]
}

func (s *session) client() Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone || s.destroyed {
		return nil
	}
	return s.source
}

// push delivers an asynchronous message to the session's source, if any.
func (s *session) push(msg []byte) {
	if c := s.client(); c != nil {
		c.Push(s.id, msg)
	}
}

// effectiveTimeout is the session's timeout (0 = never).
func (s *session) effectiveTimeout() time.Duration {
	s.mu.Lock()
	t := s.timeout
	s.mu.Unlock()
	if t < 0 {
		return time.Duration(s.g.sessionTimeout.Load())
	}
	return time.Duration(t) * time.Second
}

// createSession registers a new session sourced on c; id 0 picks a random id.
func (g *Gateway) createSession(c Client, id SessionID) (*session, *APIError) {
	addr := g.clientAddr(c) // outside g.mu: Info is the transport's
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || !g.accepting {
		return nil, apiErr(CodeNotAcceptingSessions, "")
	}
	if e := g.sessionLimitLocked(addr); e != nil {
		return nil, e
	}
	if id == 0 {
		for {
			id = SessionID(RandomID())
			if _, used := g.sessions[id]; !used {
				break
			}
		}
	} else if _, used := g.sessions[id]; used {
		return nil, apiErr(CodeSessionConflict, "Session ID already in use")
	}
	s := &session{
		id:      id,
		addr:    addr,
		g:       g,
		log:     g.sessionLogger(id),
		created: time.Now(),
		source:  c,
		timeout: -1,
		handles: map[HandleID]*handle{},
	}
	s.touch()
	g.sessions[id] = s
	if key := g.sessionsKey(addr); key != "" {
		g.perIP[key]++
	}
	return s, nil
}

func (g *Gateway) session(id SessionID) *session {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sessions[id]
}

// destroySession removes s, detaches its handles (no "detached" pushes),
// tells its transport, and emits the session event. Idempotent.
func (g *Gateway) destroySession(s *session, why endReason) {
	g.mu.Lock()
	if g.sessions[s.id] == s {
		delete(g.sessions, s.id)
		g.releaseIPLocked(g.sessionsKey(s.addr))
	}
	g.mu.Unlock()

	s.mu.Lock()
	if s.destroyed {
		s.mu.Unlock()
		return
	}
	s.destroyed = true // from here on: no pushes, no new handles, no second end
	src, gone := s.source, s.gone
	hs := make([]*handle, 0, len(s.handles))
	for _, h := range s.handles {
		hs = append(hs, h)
	}
	s.handles = map[HandleID]*handle{}
	s.mu.Unlock()

	for _, h := range hs {
		h.detach(false)
	}
	name := "destroyed"
	if why == endTimeout {
		name = "timeout"
		if src != nil && !gone {
			src.Push(s.id, mustJSON(obj{}.set("janus", "timeout").set("session_id", uint64(s.id))))
		}
	}
	s.log.Info("session " + name)
	g.emitSession(s.id, name, nil)
	if src != nil {
		src.SessionOver(s.id, why == endTimeout, false)
	}
}

// checkTimeouts is the session watchdog (janus-reference.md 1.8).
func (g *Gateway) checkTimeouts(now time.Time) {
	for _, s := range g.sessionList() {
		idle := now.Sub(s.lastActive())
		s.mu.Lock()
		gone := s.gone
		s.mu.Unlock()
		limit := s.effectiveTimeout()
		if gone && g.cfg.ReclaimTimeout > 0 {
			limit = g.cfg.ReclaimTimeout
		}
		if limit > 0 && idle >= limit {
			g.destroySession(s, endTimeout)
		}
	}
}

// Touch refreshes a session's activity (an HTTP long poll is an implicit
// keepalive); it reports whether the session exists.
func (g *Gateway) Touch(id SessionID) bool {
	s := g.session(id)
	if s == nil {
		return false
	}
	s.touch()
	return true
}

// TransportGone tells the core a transport connection closed: its sessions
// are destroyed (reclaim timeout 0) or kept for a claim until the reclaim
// timeout passes.
func (g *Gateway) TransportGone(c Client) {
	for _, s := range g.sessionList() {
		s.mu.Lock()
		mine := s.source == c
		s.mu.Unlock()
		if !mine {
			continue
		}
		if g.cfg.ReclaimTimeout <= 0 {
			s.log.Info("transport gone, destroying session")
			g.destroySession(s, endDestroyed)
			continue
		}
		s.mu.Lock()
		s.gone = true
		s.mu.Unlock()
		s.log.Info("transport gone, session kept for reclaim", "reclaim", g.cfg.ReclaimTimeout)
	}
}

// claim moves s to client c; the old source learns the session was claimed.
// The session keeps counting under the address that created it (s.addr): a
// claim neither frees that address's slot nor needs one of c's, so a
// client that reconnects from another address never loses its session.
func (s *session) claim(c Client) {
	s.mu.Lock()
	old, gone := s.source, s.gone
	s.source, s.gone = c, false
	s.mu.Unlock()
	if old != nil && old != c && !gone {
		old.SessionOver(s.id, false, true)
	}
}

// sessionLogger derives a session's logger once: session_id and, when the
// gateway knows how to name traces, the session's trace_id.
func (g *Gateway) sessionLogger(id SessionID) *slog.Logger {
	if g.cfg.TraceID == nil {
		return g.log.With("session_id", uint64(id))
	}
	return g.log.With("session_id", uint64(id), "trace_id", g.cfg.TraceID(id))
}
