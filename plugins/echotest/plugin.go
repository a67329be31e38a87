// Package echotest is janus.plugin.echotest (janus-reference.md section 5):
// every audio/video packet and data channel message a client sends comes
// back to it. It registers itself with the core in init.
package echotest

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/argusrtc/argus/core"
)

// Package is the Janus plugin package name.
const Package = "janus.plugin.echotest"

// Janus's EchoTest version (janus-reference.md 5).
const (
	Version       = 7
	VersionString = "0.0.7"
)

func init() {
	core.RegisterPlugin(Package, func() core.Plugin { return New() })
}

// Plugin is the EchoTest plugin: a factory of per-handle sessions.
type Plugin struct {
	mu       sync.Mutex
	host     core.Host
	log      *slog.Logger
	sessions map[*session]struct{}
}

// New returns an uninitialized EchoTest plugin; it has no side effects.
func New() *Plugin {
	return &Plugin{log: slog.New(slog.DiscardHandler), sessions: map[*session]struct{}{}}
}

// Info describes the plugin as Janus's info lists it.
func (p *Plugin) Info() core.PluginInfo {
	return core.PluginInfo{
		Package:       Package,
		Name:          "JANUS EchoTest plugin",
		Author:        "Argus",
		Description:   "This is a trivial EchoTest plugin for Janus, just used to showcase the plugin interface.",
		VersionString: VersionString,
		Version:       Version,
	}
}

// Init stores the host; the EchoTest has no configuration of its own, so
// cfg is ignored.
func (p *Plugin) Init(_ context.Context, h core.Host, _ json.RawMessage) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.host = h
	if h != nil && h.Logger() != nil {
		p.log = h.Logger().With("plugin", Package)
	}
	return nil
}

// NewSession is Janus's create_session: one session per attached handle.
func (p *Plugin) NewSession(h core.Handle) (core.PluginSession, error) {
	s := newSession(p, h)
	p.mu.Lock()
	p.sessions[s] = struct{}{}
	p.mu.Unlock()
	return s, nil
}

// Destroy destroys every remaining session; it works after a failed Init.
func (p *Plugin) Destroy(_ context.Context) error {
	p.mu.Lock()
	all := make([]*session, 0, len(p.sessions))
	for s := range p.sessions {
		all = append(all, s)
	}
	p.mu.Unlock()
	for _, s := range all {
		s.Destroy()
	}
	return nil
}

// HandleAdminMessage answers Admin message_plugin by echoing the request
// object back, as Janus's EchoTest does.
func (p *Plugin) HandleAdminMessage(_ context.Context, request json.RawMessage) any {
	var v any
	if err := json.Unmarshal(request, &v); err != nil {
		return map[string]any{"echotest": "event", "error_code": errInvalidJSON, "error": "JSON error: not an object"}
	}
	return v
}

// emit sends a type 64 event for a handle.
func (p *Plugin) emit(h core.Handle, data any) {
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	if host != nil {
		host.EmitEvent(h, data)
	}
}

// forget drops a destroyed session.
func (p *Plugin) forget(s *session) {
	p.mu.Lock()
	delete(p.sessions, s)
	p.mu.Unlock()
}

var (
	_ core.Plugin         = (*Plugin)(nil)
	_ core.AdminMessenger = (*Plugin)(nil)
)
