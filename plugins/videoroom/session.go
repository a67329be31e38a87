package videoroom

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/pluginkit"
)

// Limits.
const (
	// negotiationTimeout bounds ICE gathering while offering or answering.
	negotiationTimeout = 10 * time.Second
)

// session roles.
const (
	roleNone = iota
	rolePublisher
	roleSubscriber
)

// asyncRequests are answered with an ack, then an event.
var asyncRequests = map[string]bool{
	"join": true, "joinandconfigure": true, "configure": true, "publish": true, "unpublish": true,
	"start": true, "pause": true, "switch": true, "update": true, "subscribe": true,
	"unsubscribe": true, "leave": true,
}

// session is the VideoRoom state of one handle.
type session struct {
	p   *Plugin
	h   core.Handle
	log *slog.Logger
	ks  *pluginkit.Session // queue, worker, context and goroutines

	mu   sync.Mutex
	role int
	pub  *publisher
	sub  *subscriber
}

func newSession(p *Plugin, h core.Handle) *session {
	s := &session{p: p, h: h}
	s.ks = p.Attach(h, s, pluginkit.DefaultQueueSize)
	s.log = s.ks.Logger()
	return s
}

// HandleMessage answers synchronous requests at once and queues the
// asynchronous ones (janus-reference.md 6.1).
func (s *session) HandleMessage(_ context.Context, m core.Message) core.Result {
	if s.ks.Destroyed() {
		return core.OK(newErr(errUnknown, "No session associated with this handle...").data())
	}
	req, e := parseParams(m.Body)
	if e != nil {
		return core.OK(e.data())
	}
	name, _, e := req.str("request", true)
	if e != nil {
		return core.OK(e.data())
	}
	if h := syncHandlers[name]; h != nil {
		return core.OK(h(s.p, s, req))
	}
	if !asyncRequests[name] {
		return core.OK(newErr(errInvalidRequest, "Unknown request '%s'", name).data())
	}
	switch err := s.ks.Enqueue(m); {
	case err == nil:
		return core.Ack("")
	case errors.Is(err, pluginkit.ErrDestroyed):
		return core.OK(newErr(errUnknown, "No session associated with this handle...").data())
	default:
		return core.ErrorResult(err.Error())
	}
}

// Process runs one async request on the session's worker and pushes its
// answer or error.
func (s *session) Process(ctx context.Context, m core.Message) {
	req, e := parseParams(m.Body)
	if e != nil {
		s.pushError(m.Transaction, e)
		return
	}
	name, _, _ := req.str("request", false)
	s.mu.Lock()
	role, pub, sub := s.role, s.pub, s.sub
	s.mu.Unlock()
	var data map[string]any
	var jsep *core.JSEP
	switch {
	case role == roleNone && (name == "join" || name == "joinandconfigure"):
		data, jsep, e = s.join(ctx, name, req, m.JSEP)
	case role == roleNone:
		e = newErr(errJoinFirst, "Invalid request on unconfigured participant")
	case role == rolePublisher:
		data, jsep, e = pub.handle(ctx, name, req, m.JSEP)
	default:
		data, jsep, e = sub.handle(ctx, name, req, m.JSEP)
	}
	if e != nil {
		s.pushError(m.Transaction, e)
		return
	}
	if data != nil {
		s.push(m.Transaction, data, jsep)
	}
	if sub != nil && sub.followUp != nil {
		f := sub.followUp
		sub.followUp = nil
		f()
	}
}

// join makes this handle a publisher or a subscriber.
func (s *session) join(ctx context.Context, name string, req params, jsep *core.JSEP) (map[string]any, *core.JSEP, *vrError) {
	ptype, _, e := req.str("ptype", true)
	if e != nil {
		return nil, nil, e
	}
	r, e := s.p.lookupRoom(req)
	if e != nil {
		return nil, nil, e
	}
	switch ptype {
	case "publisher":
		return joinPublisher(ctx, s, r, name == "joinandconfigure", req, jsep)
	case "subscriber": // not 0.x's "listener": Janus 1.1.2 refuses it too
		return joinSubscriber(ctx, s, r, req)
	default:
		return nil, nil, newErr(errInvalidElement, "Invalid element (ptype)")
	}
}

// push sends an event to the client.
func (s *session) push(tx string, data map[string]any, jsep *core.JSEP) { s.ks.Push(tx, data, jsep) }

// goAfter runs f in a goroutine of the session once the notice before it
// (prev, nil for none) is done, and closes done when f returned, or at
// once when the session is being destroyed and f does not run: a chain of
// notices taken in order on the media path (talking, temporal layers)
// reaches the client in that order without blocking the media path.
func (s *session) goAfter(prev, done chan struct{}, f func()) {
	started := s.ks.Go(func(context.Context) {
		defer close(done)
		if prev != nil {
			<-prev
		}
		f()
	})
	if !started {
		close(done)
	}
}

func (s *session) pushError(tx string, e *vrError) { s.push(tx, e.data(), nil) }

// SetupMedia is called at webrtcup.
func (s *session) SetupMedia() {
	s.ks.EndHangup()
	s.mu.Lock()
	pub, sub := s.pub, s.sub
	s.mu.Unlock()
	if pub != nil {
		pub.setupMedia()
	}
	if sub != nil {
		sub.setupMedia()
	}
}

// Hangup: a publisher unpublishes, a subscriber stops receiving.
func (s *session) Hangup() {
	if !s.ks.BeginHangup() {
		return
	}
	defer s.ks.EndHangup()
	s.mu.Lock()
	pub, sub := s.pub, s.sub
	s.mu.Unlock()
	if pub != nil {
		pub.unpublish(false)
	}
	if sub != nil {
		sub.hangup()
	}
}

// Destroy is detach: it returns once the worker and every goroutine of
// the session ended.
func (s *session) Destroy() { s.ks.Destroy() }

// Teardown (pluginkit.Handler): a publisher leaves the room, a subscriber
// ends.
func (s *session) Teardown() {
	s.mu.Lock()
	pub, sub := s.pub, s.sub
	s.mu.Unlock()
	if pub != nil {
		pub.leave("")
	}
	if sub != nil {
		sub.leave()
	}
}

// Query describes the session in Admin handle_info.plugin_specific
// (janus-reference.md 6.7 end).
func (s *session) Query() any {
	s.mu.Lock()
	pub, sub := s.pub, s.sub
	s.mu.Unlock()
	var q map[string]any
	switch {
	case pub != nil:
		q = pub.query()
	case sub != nil:
		q = sub.query()
	default:
		q = map[string]any{"type": "none"}
	}
	return s.ks.State(q)
}

var (
	_ core.PluginSession  = (*session)(nil)
	_ core.SessionQuerier = (*session)(nil)
)
