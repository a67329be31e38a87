package websocket

import (
	"log/slog"
	"time"

	"github.com/argusrtc/argus/internal/clientaddr"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
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
	// DefaultPingInterval is how often the server pings; a pong must come
	// back within DefaultPongTimeout or the connection is closed (a peer
	// that vanished without a FIN).
	DefaultPingInterval = 30 * time.Second
	DefaultPongTimeout  = 20 * time.Second
	// DefaultIdleTimeout closes a connection that sent no message for this
	// long. janus.js sends a keepalive every 25 s, and a session without
	// requests times out after 60 s anyway.
	DefaultIdleTimeout = 5 * time.Minute
)

// LimitWriteQueue names, for DropCounter, the connections closed because
// their write queue was full (each drops the message that did not fit).
const LimitWriteQueue = "ws_write_queue"

// DropCounter counts what a bounded queue dropped; it must not block.
type DropCounter interface {
	Refused(limit string, n int)
}

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
	// AdminAllowOrigin is, with Admin, the one cross-origin page whose
	// handshake is accepted; same-origin pages and clients that send no
	// Origin (not browsers) always are.
	AdminAllowOrigin string
	// Refusals, if set, counts connections closed for a full write queue.
	Refusals DropCounter
	// ConnRefusals counts refused handshakes and connections closed for
	// an oversized message (transports.Deps.Refusals); nil counts nothing.
	ConnRefusals *transports.RefusalCounter
	// TrustedProxies are the reverse proxies whose forwarding header (the
	// one they set, TrustedProxies.Header: X-Forwarded-For, Forwarded or
	// X-Real-IP; see clientaddr.Proxies.Client) names a handshake's client;
	// the zero value trusts nobody.
	TrustedProxies clientaddr.Proxies

	MaxMessage   int64         // 1 MiB
	WriteQueue   int           // 1024
	MaxInFlight  int           // 32
	WriteTimeout time.Duration // 10 s
	PingInterval time.Duration // 30 s; negative disables pings
	PongTimeout  time.Duration // 20 s
	IdleTimeout  time.Duration // 5 min without a message; negative disables
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	wire.OrDefault(&c.MaxMessage, DefaultMaxMessage)
	wire.OrDefault(&c.WriteQueue, DefaultWriteQueue)
	wire.OrDefault(&c.MaxInFlight, DefaultMaxInFlight)
	wire.OrDefault(&c.WriteTimeout, DefaultWriteTimeout)
	if c.PingInterval == 0 {
		c.PingInterval = DefaultPingInterval
	}
	wire.OrDefault(&c.PongTimeout, DefaultPongTimeout)
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
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
