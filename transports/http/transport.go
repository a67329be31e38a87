package http

import (
	nethttp "net/http"
	"sync"

	"github.com/argusrtc/argus/internal/clientaddr"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Transport is the Janus HTTP transport. Create it with New; it is safe for
// concurrent use.
type Transport struct {
	cfg    Config
	qs     *queues
	done   chan struct{}
	closer sync.Once
}

// New returns a Transport; cfg.Gateway must be set.
func New(cfg Config) *Transport {
	cfg = cfg.withDefaults()
	qs := newQueues(cfg.QueueSize, cfg.LongPollTimeout, cfg.Logger)
	qs.maxBytes = cfg.QueueBytes
	qs.dropped = cfg.Refusals
	return &Transport{cfg: cfg, qs: qs, done: make(chan struct{})}
}

// JanusHandler serves the Janus API below Config.BasePath. Mount it on both
// BasePath and BasePath+"/"; it sees the full URL path.
func (t *Transport) JanusHandler() nethttp.Handler {
	return &handler{t: t, base: t.cfg.BasePath}
}

// AdminHandler serves the Admin API below Config.AdminBasePath, or answers
// 404 when Config.Admin is false.
func (t *Transport) AdminHandler() nethttp.Handler {
	if !t.cfg.Admin {
		return nethttp.NotFoundHandler()
	}
	return &handler{t: t, base: t.cfg.AdminBasePath, admin: true}
}

// Close releases every parked long poll (each answers with a keepalive) and
// makes later requests fail with 503. It is idempotent.
func (t *Transport) Close() {
	t.closer.Do(func() { close(t.done) })
}

// closed reports whether Close was called.
func (t *Transport) closed() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// newClient builds the core.Client of request r and emits its transport
// event. An Admin API request's client is its peer: TrustedProxies are
// the Janus API's (Config).
func (t *Transport) newClient(r *nethttp.Request, admin bool) *client {
	proxies := t.cfg.TrustedProxies
	if admin {
		proxies = clientaddr.Proxies{}
	}
	c := &client{info: wire.Info(r, Package, admin, proxies), qs: t.qs}
	// The per-request type 128 event (janus-reference.md 1.6).
	wire.EmitTransport(t.cfg.Emitter, t.cfg.ServerName, c.info, telemetry.TransportData{
		Event: "request", AdminAPI: telemetry.Ptr(admin), IP: c.info.RemoteIP, Port: c.info.RemotePort,
	})
	return c
}
