package websocket

import (
	"log/slog"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports"
)

// Package is the transport's Janus package name, used in TransportInfo and events.
const Package = "janus.transport.websockets"

// The two subprotocols (janus-reference.md 1.7).
const (
	ProtocolJanus = "janus-protocol"
	ProtocolAdmin = "janus-admin-protocol"
)

// Defaults.
const (
	// DefaultMaxMessage bounds an incoming message; the largest legitimate
	// request is an offer with a big SDP, well under 1 MiB.
	DefaultMaxMessage = 1 << 20
	// DefaultWriteQueue bounds the messages waiting for the socket. It
	// matches the HTTP transport's per-session queue: a client that falls
	// 1024 messages behind is not reading and is disconnected.
	DefaultWriteQueue = 1024
	// DefaultMaxInFlight bounds concurrent "message" requests per
	// connection; janus.js has one or two outstanding per handle.
	DefaultMaxInFlight = 32
	// DefaultWriteTimeout bounds one socket write.
	DefaultWriteTimeout = 10 * time.Second
)

// Config configures a Transport. Gateway is required; zero values elsewhere
// take the defaults above.
type Config struct {
	Gateway    transports.Gateway
	Emitter    telemetry.Emitter // type 128 events; nil = none
	ServerName string            // the events' emitter
	Logger     *slog.Logger

	// Admin serves the Admin API ("janus-admin-protocol") instead of the Janus API.
	Admin       bool
	AllowOrigin string // with EnforceCORS: handshakes whose Origin does not start with it get 403
	EnforceCORS bool

	MaxMessage   int64         // 1 MiB
	WriteQueue   int           // 1024
	MaxInFlight  int           // 32
	WriteTimeout time.Duration // 10 s
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = DefaultMaxMessage
	}
	if c.WriteQueue <= 0 {
		c.WriteQueue = DefaultWriteQueue
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	return c
}

// protocol is the subprotocol this configuration speaks.
func (c Config) protocol() string {
	if c.Admin {
		return ProtocolAdmin
	}
	return ProtocolJanus
}
