// Package echotest is janus.plugin.echotest (janus-reference.md section 5):
// every audio/video packet and data channel message a client sends comes
// back to it. It registers itself with the core in init.
package echotest

import (
	"context"
	"encoding/json"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/pluginkit"
)

// The Janus plugin package name and Janus's EchoTest version
// (janus-reference.md 5).
const (
	Package       = "janus.plugin.echotest"
	Version       = 7
	VersionString = "0.0.7"
)

// Plugin is the EchoTest plugin: a factory of per-handle sessions.
type Plugin struct {
	*pluginkit.Kit // Info, sessions and their lifetimes, Destroy
}

// New returns an uninitialized EchoTest plugin; it has no side effects.
func New() *Plugin {
	return &Plugin{Kit: pluginkit.New(core.PluginInfo{
		Package: Package, Name: "JANUS EchoTest plugin", Author: "Argus",
		Description:   "This is a trivial EchoTest plugin for Janus, just used to showcase the plugin interface.",
		VersionString: VersionString, Version: Version,
	})}
}

// Init stores the host; the EchoTest has no configuration of its own, so
// cfg is ignored.
func (p *Plugin) Init(ctx context.Context, h core.Host, _ json.RawMessage) error {
	p.Kit.Init(ctx, h)
	return nil
}

// NewSession is Janus's create_session: one session per attached handle.
func (p *Plugin) NewSession(h core.Handle) (core.PluginSession, error) { return newSession(p, h), nil }

// HandleAdminMessage answers Admin message_plugin by echoing the request
// object back, as Janus's EchoTest does.
func (p *Plugin) HandleAdminMessage(_ context.Context, request json.RawMessage) any {
	var v any
	if err := json.Unmarshal(request, &v); err != nil {
		return map[string]any{"echotest": "event", "error_code": errInvalidJSON, "error": "JSON error: not an object"}
	}
	return v
}

// init registers the EchoTest with the core.
func init() { core.RegisterPlugin(Package, func() core.Plugin { return New() }) }

var (
	_ core.Plugin         = (*Plugin)(nil)
	_ core.AdminMessenger = (*Plugin)(nil)
)
