package core

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/argusrtc/argus/core/webrtc"
)

// PluginInfo describes a plugin as Janus's info response lists it.
type PluginInfo struct {
	Package       string // e.g. "janus.plugin.echotest"
	Name          string
	Author        string
	Description   string
	VersionString string
	Version       int
}

// Plugin is a Janus plugin: a factory of per-handle plugin sessions.
type Plugin interface {
	Info() PluginInfo
	// Init provisions and validates the plugin; cfg is the plugin's own config
	// section (may be nil). Destroy must work even after a failed Init.
	Init(ctx context.Context, h Host, cfg json.RawMessage) error
	// NewSession is Janus's create_session: called on attach.
	NewSession(h Handle) (PluginSession, error)
	Destroy(ctx context.Context) error
}

// PluginSession is a plugin's state for one handle.
type PluginSession interface {
	// HandleMessage handles a Janus "message". If the message carried a JSEP,
	// the remote description has already been applied to h.Peer(). An
	// offer is answered in the reply: the event pushed with m.Transaction
	// carries the JSEP answer. A reply without one (a synchronous result,
	// or that event without an answer) refuses the offer, and the core
	// drops it so that the client's next offer applies.
	// ctx is the request's: work that outlives the call (an "ack" followed
	// by an event) must not keep using it. Messages of one handle may be
	// handled concurrently.
	HandleMessage(ctx context.Context, m Message) Result
	// SetupMedia is called once the PeerConnection is up (webrtcup).
	SetupMedia()
	// Hangup is called when the PeerConnection went away (any reason).
	Hangup()
	// Destroy is called on detach; the handle is gone afterwards.
	Destroy()
}

// SessionQuerier is implemented by plugin sessions that describe themselves
// in Admin handle_info ("plugin_specific").
type SessionQuerier interface {
	Query() any
}

// AdminMessenger is implemented by plugins that answer Admin message_plugin.
type AdminMessenger interface {
	HandleAdminMessage(ctx context.Context, request json.RawMessage) any
}

// Host is what the core offers a plugin at Init. The gateway's Host also
// is a RefusalCounter (the limit names a plugin passes it are declared at
// registration, PluginLimits) and has a method
//
//	MaxSDPMLines() int
//
// the core's m-line bound on a client SDP, 0 when that bound is disabled.
// Test hosts need not have either: a plugin finds them with a type
// assertion (to core.RefusalCounter; to an interface of its own for
// MaxSDPMLines).
type Host interface {
	// EmitEvent emits a type 64 (plugin) event. h may be nil for events
	// that belong to no handle; otherwise the header carries the handle's
	// session_id, handle_id and opaque_id.
	EmitEvent(h Handle, data any)
	Logger() *slog.Logger
}

// Handle is what a plugin session sees of its Janus handle.
type Handle interface {
	SessionID() SessionID
	ID() HandleID
	OpaqueID() string
	// Logger carries session_id, handle_id and opaque_id attributes.
	Logger() *slog.Logger
	// Push sends an asynchronous "event" to the client, with plugindata
	// {plugin, data} and an optional JSEP (an offer or answer produced by Peer).
	Push(transaction string, data any, jsep *JSEP) error
	// Peer returns the handle's PeerConnection, creating it if needed
	// (a plugin that offers, like a VideoRoom subscriber, calls this first).
	// While the previous one is closing, or its Hangup is still running,
	// it waits for that Hangup, up to 3 s (then ErrStillCleaning): a
	// plugin must not call it from its Hangup, nor while holding a lock
	// that its Hangup takes. Beyond Limits.MaxPeerConnections live ones, or
	// Limits.MaxPeerConnectionsPerIP under the session's client address, it
	// fails with ErrTooManyPeers.
	Peer() (*webrtc.Peer, error)
	// ClosePeer hangs the PeerConnection up with reason "Close PC".
	ClosePeer()
}

// JSEP is the Janus jsep object.
type JSEP struct {
	Type     string `json:"type"`
	SDP      string `json:"sdp"`
	Trickle  *bool  `json:"trickle,omitempty"`
	RIDOrder string `json:"rid_order,omitempty"`
	E2EE     bool   `json:"e2ee,omitempty"`
	// Update is true on renegotiation (Janus adds it for plugins).
	Update bool `json:"-"`
}

// Message is a Janus "message" handed to a plugin session.
type Message struct {
	Transaction string
	Body        json.RawMessage // always a JSON object
	JSEP        *JSEP
}

// Result is a plugin's answer to a message: synchronous data, an ack
// (the real answer follows as an event), or an error (Janus 462).
type Result struct {
	Data  any  // synchronous: becomes plugindata.data of a "success"
	Ack   bool // asynchronous: "ack", with Hint if set
	Hint  string
	Error string // non-empty: Janus error 462 with this text
}

// OK is a synchronous success result.
func OK(data any) Result { return Result{Data: data} }

// Ack is an asynchronous acknowledgement with an optional hint.
func Ack(hint string) Result { return Result{Ack: true, Hint: hint} }

// ErrorResult is a plugin failure reported as Janus error 462.
func ErrorResult(text string) Result { return Result{Error: text} }
