package coretest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/argusrtc/argus/core"
)

// ErrAttachRefused is returned by NewSession when Plugin.RefuseAttach is set.
var ErrAttachRefused = errors.New("attach refused")

// Plugin is a fake core.Plugin. Its sessions answer message bodies by
// "request": "sync" (success echoing the body), "answer" (ack, then an
// event {"result":"answered"} with a JSEP answer from the handle's Peer), "async" (ack with hint
// "fake hint", then an event {"result":"done"} with the same transaction,
// and a JSEP answer type if the message had a JSEP), "refuse" (ack, then
// an event {"error":"refused"} without a JSEP, as a plugin refusing an
// offer answers), "hold" (ack, and nothing more: the test pushes the
// reply through Session.Handle), "error" (462 "fake error"), "empty" (no
// data), "array" (non-object data), "emit" (a type 64 event
// {"emitted":true}, then success).
type Plugin struct {
	Pkg string
	// RefuseAttach makes NewSession fail (Janus 461).
	RefuseAttach bool

	mu       sync.Mutex
	host     core.Host
	cfg      json.RawMessage
	sessions []*Session
	inited   bool
	wg       sync.WaitGroup
}

// NewPlugin returns a fake plugin with the given Janus package name.
func NewPlugin(pkg string) *Plugin { return &Plugin{Pkg: pkg} }

// Info describes the plugin.
func (p *Plugin) Info() core.PluginInfo {
	return core.PluginInfo{Package: p.Pkg, Name: "Fake plugin", Author: "Argus tests",
		Description: "A fake plugin for tests", VersionString: "0.0.1", Version: 1}
}

// Init records the host and config.
func (p *Plugin) Init(_ context.Context, h core.Host, cfg json.RawMessage) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.host, p.cfg, p.inited = h, cfg, true
	return nil
}

// Config returns the config section given to Init.
func (p *Plugin) Config() json.RawMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// NewSession creates a fake plugin session.
func (p *Plugin) NewSession(h core.Handle) (core.PluginSession, error) {
	if p.RefuseAttach {
		return nil, ErrAttachRefused
	}
	s := &Session{p: p, h: h}
	p.mu.Lock()
	p.sessions = append(p.sessions, s)
	p.mu.Unlock()
	return s, nil
}

// Sessions returns the sessions created so far.
func (p *Plugin) Sessions() []*Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Session(nil), p.sessions...)
}

// Destroy waits for pending asynchronous replies.
func (p *Plugin) Destroy(context.Context) error {
	p.wg.Wait()
	return nil
}

// HandleAdminMessage answers Admin message_plugin with {"echo": request}.
func (p *Plugin) HandleAdminMessage(_ context.Context, req json.RawMessage) any {
	return map[string]any{"echo": req}
}

// Session is a fake plugin session recording its lifecycle calls.
type Session struct {
	p *Plugin
	h core.Handle

	mu        sync.Mutex
	messages  []core.Message
	setups    int
	hangups   int
	destroyed bool
}

// Handle returns the core handle of the session.
func (s *Session) Handle() core.Handle { return s.h }

// HandleMessage answers according to body.request (see Plugin).
func (s *Session) HandleMessage(_ context.Context, m core.Message) core.Result {
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	var body struct {
		Request string `json:"request"`
	}
	_ = json.Unmarshal(m.Body, &body)
	switch body.Request {
	case "async":
		s.p.wg.Add(1)
		go func() {
			defer s.p.wg.Done()
			var jsep *core.JSEP
			if m.JSEP != nil {
				jsep = &core.JSEP{Type: "answer", SDP: "v=0\r\n"}
			}
			_ = s.h.Push(m.Transaction, map[string]any{"result": "done"}, jsep)
		}()
		return core.Ack("fake hint")
	case "answer":
		s.p.wg.Add(1)
		go func() {
			defer s.p.wg.Done()
			s.answer(m.Transaction)
		}()
		return core.Ack("")
	case "refuse":
		s.p.wg.Add(1)
		go func() {
			defer s.p.wg.Done()
			_ = s.h.Push(m.Transaction, map[string]any{"error": "refused"}, nil)
		}()
		return core.Ack("")
	case "hold":
		return core.Ack("")
	case "error":
		return core.ErrorResult("fake error")
	case "empty":
		return core.Result{}
	case "array":
		return core.OK([]int{1, 2})
	case "emit":
		s.p.mu.Lock()
		host := s.p.host
		s.p.mu.Unlock()
		host.EmitEvent(s.h, map[string]any{"emitted": true})
		return core.OK(map[string]any{"result": "emitted"})
	default:
		return core.OK(map[string]any{"result": "ok", "echo": m.Body})
	}
}

// answer answers the remote offer on the handle's Peer and pushes the SDP.
func (s *Session) answer(transaction string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	peer, err := s.h.Peer()
	if err != nil {
		_ = s.h.Push(transaction, map[string]any{"error": err.Error()}, nil)
		return
	}
	sdp, err := peer.CreateAnswer(ctx)
	if err != nil {
		_ = s.h.Push(transaction, map[string]any{"error": err.Error()}, nil)
		return
	}
	_ = s.h.Push(transaction, map[string]any{"result": "answered"}, &core.JSEP{Type: "answer", SDP: sdp})
}

// Messages returns the messages received so far.
func (s *Session) Messages() []core.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]core.Message(nil), s.messages...)
}

// SetupMedia counts the call.
func (s *Session) SetupMedia() { s.mu.Lock(); s.setups++; s.mu.Unlock() }

// Hangup counts the call.
func (s *Session) Hangup() { s.mu.Lock(); s.hangups++; s.mu.Unlock() }

// Destroy marks the session destroyed.
func (s *Session) Destroy() { s.mu.Lock(); s.destroyed = true; s.mu.Unlock() }

// Query describes the session in Admin handle_info.
func (s *Session) Query() any { return map[string]any{"fake": true} }

// Stats returns the lifecycle counters: SetupMedia and Hangup calls, destroyed.
func (s *Session) Stats() (setups, hangups int, destroyed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setups, s.hangups, s.destroyed
}

// NoAdmin wraps a plugin so that it does not implement core.AdminMessenger.
func NoAdmin(p core.Plugin) core.Plugin { return noAdmin{p} }

type noAdmin struct{ core.Plugin }

var (
	_ core.Plugin         = (*Plugin)(nil)
	_ core.AdminMessenger = (*Plugin)(nil)
	_ core.SessionQuerier = (*Session)(nil)
)
