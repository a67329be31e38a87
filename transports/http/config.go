package http

import (
	"log/slog"
	"time"

	"github.com/argusrtc/argus/internal/clientaddr"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Package is the transport's Janus package name, used in TransportInfo and events.
const Package = "janus.transport.http"

// Defaults (janus-reference.md 1.6).
const (
	DefaultBasePath      = "/janus"
	DefaultAdminBasePath = "/admin"
	// DefaultLongPollTimeout is how long Janus parks an empty long poll.
	DefaultLongPollTimeout = 30 * time.Second
	// DefaultQueueSize bounds a session's event queue: janus.js polls with
	// maxev=10, so 1024 messages is about a hundred polls of backlog, far
	// more than a live client accumulates, while a dead one costs little.
	DefaultQueueSize = 1024
	// DefaultQueueBytes bounds the bytes of a session's event queue too:
	// events carry whole SDPs (up to 512 KiB each), so 1024 of them could
	// be half a GB; 8 MiB is still dozens of large offers.
	DefaultQueueBytes = 8 << 20
	// DefaultRequestTimeout bounds the core's work on one POST, as Janus
	// waits at most 10 s for the core's reply (janus-reference.md 1.6).
	DefaultRequestTimeout = 10 * time.Second
	// DefaultMaxBody bounds a request body; the largest legitimate request
	// is an offer with a big SDP, well under 1 MiB.
	DefaultMaxBody = 1 << 20
)

// DropCounter counts what a bounded queue dropped; it must not block.
type DropCounter interface {
	Refused(limit string, n int)
}

// LimitLongPollQueue names long-poll queue drops for DropCounter.
const LimitLongPollQueue = "longpoll_queue"

// Config configures a Transport. Gateway is required; zero values elsewhere
// take the defaults above.
type Config struct {
	Gateway    transports.Gateway
	Emitter    telemetry.Emitter // type 128 events; nil = none
	ServerName string            // the events' emitter
	Logger     *slog.Logger

	BasePath      string // "/janus"
	AdminBasePath string // "/admin"
	AllowOrigin   string // "" = Access-Control-Allow-Origin: *
	EnforceCORS   bool   // 403 when Origin does not start with AllowOrigin
	// AdminAllowOrigin is the one cross-origin page allowed to use the Admin
	// API ("" = none; same-origin pages always may). See adminguard.go.
	AdminAllowOrigin string
	// Refusals, if set, counts long-poll queue drops (limit "longpoll_queue").
	Refusals DropCounter
	// TrustedProxies are the reverse proxies whose forwarding header (the
	// one they set, TrustedProxies.Header: X-Forwarded-For, Forwarded or
	// X-Real-IP; see clientaddr.Proxies.Client) names a Janus API
	// request's client; the zero value trusts nobody. Admin API requests
	// never read it: their client is always the peer.
	TrustedProxies clientaddr.Proxies

	LongPollTimeout time.Duration // 30 s
	QueueSize       int           // per-session event queue, 1024
	QueueBytes      int           // per-session event queue bytes, 8 MiB (the newest event is always kept)
	MaxBody         int64         // request body limit, 1 MiB
	RequestTimeout  time.Duration // context deadline of a POST's gateway call, 10 s

	// Admin enables the Admin API handler; when false AdminHandler answers 404.
	Admin bool
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.BasePath == "" {
		c.BasePath = DefaultBasePath
	}
	if c.AdminBasePath == "" {
		c.AdminBasePath = DefaultAdminBasePath
	}
	wire.OrDefault(&c.LongPollTimeout, DefaultLongPollTimeout)
	wire.OrDefault(&c.QueueSize, DefaultQueueSize)
	wire.OrDefault(&c.QueueBytes, DefaultQueueBytes)
	wire.OrDefault(&c.RequestTimeout, DefaultRequestTimeout)
	wire.OrDefault(&c.MaxBody, DefaultMaxBody)
	return c
}
