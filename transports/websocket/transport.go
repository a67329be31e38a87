package websocket

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Transport is the Janus WebSocket transport. Create it with New; it is
// safe for concurrent use.
type Transport struct {
	cfg Config

	mu     sync.Mutex
	closed bool
	conns  map[*conn]struct{}
	wg     sync.WaitGroup // one per live connection
}

// New returns a Transport; cfg.Gateway must be set.
func New(cfg Config) *Transport {
	return &Transport{cfg: cfg.withDefaults(), conns: map[*conn]struct{}{}}
}

// Handler returns the http.Handler that upgrades requests to WebSocket
// connections speaking the configured subprotocol.
func (t *Transport) Handler() http.Handler { return http.HandlerFunc(t.serve) }

// Close closes every connection (each one's gateway TransportGone runs),
// waits for their goroutines, and refuses new handshakes with 503. It is
// idempotent.
func (t *Transport) Close() {
	t.mu.Lock()
	t.closed = true
	for c := range t.conns {
		c.cancel()
	}
	t.mu.Unlock()
	t.wg.Wait()
}

// serve performs the handshake and runs the connection until it ends.
func (t *Transport) serve(w http.ResponseWriter, r *http.Request) {
	refused := t.cfg.ConnRefusals
	if !wire.OriginAllowed(r, t.cfg.AllowOrigin, t.cfg.EnforceCORS) || (t.cfg.Admin && !wire.AdminOriginAllowed(r, t.cfg.AdminAllowOrigin)) {
		refused.Refused(transports.ReasonOrigin)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	proto := t.cfg.protocol()
	if offered := offeredProtocols(r); len(offered) > 0 && !slices.Contains(offered, proto) {
		refused.Refused(transports.ReasonSubprotocol)
		http.Error(w, "unsupported WebSocket subprotocol, use "+proto, http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	c := &conn{
		t: t, info: wire.Info(r, Package, t.cfg.Admin, t.cfg.TrustedProxies),
		out: newWriteQueue(t.cfg.WriteQueue), done: ctx.Done(), cancel: cancel,
		sem: make(chan struct{}, t.cfg.MaxInFlight),
	}
	attrs := []any{slog.Uint64("conn_id", c.info.ConnID), slog.String("remote", r.RemoteAddr)}
	if peer, _ := wire.SplitAddr(r.RemoteAddr); c.info.RemoteIP != peer {
		// remote is a trusted proxy: name the client it forwarded too.
		attrs = append(attrs, slog.String("client", c.info.RemoteIP))
	}
	c.log = t.cfg.Logger.With(attrs...)
	if !t.register(c) {
		refused.Refused(transports.ReasonClosing)
		http.Error(w, ErrClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	defer t.unregister(c)
	ws, err := cws.Accept(w, r, &cws.AcceptOptions{Subprotocols: []string{proto}, InsecureSkipVerify: true})
	if err != nil {
		refused.Refused(transports.ReasonHandshake)
		c.log.Debug("websocket transport: handshake", slog.Any("error", err))
		return
	}
	ws.SetReadLimit(t.cfg.MaxMessage)
	c.ws = ws
	t.run(ctx, c)
}

// run drives an accepted connection: reader here, writer in a goroutine,
// then the teardown in order (requests, writer, gateway, event, socket).
func (t *Transport) run(ctx context.Context, c *conn) {
	wire.EmitTransport(t.cfg.Emitter, t.cfg.ServerName, c.info,
		telemetry.TransportData{Event: "connected", AdminAPI: telemetry.Ptr(t.cfg.Admin), IP: c.info.RemoteIP})
	var writer sync.WaitGroup
	writer.Go(func() { c.writeLoop(ctx) })
	writer.Go(func() { c.pingLoop(ctx) })
	c.readLoop(ctx)
	c.cancel()
	c.reqs.Wait()
	writer.Wait()
	t.cfg.Gateway.TransportGone(c)
	wire.EmitTransport(t.cfg.Emitter, t.cfg.ServerName, c.info, telemetry.TransportData{Event: "disconnected"})
	_ = c.ws.CloseNow()
}

func (t *Transport) register(c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.conns[c] = struct{}{}
	t.wg.Add(1)
	return true
}

func (t *Transport) unregister(c *conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	t.wg.Done()
}

// offeredProtocols lists the Sec-WebSocket-Protocol tokens of r.
func offeredProtocols(r *http.Request) []string {
	var out []string
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
