package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"sync"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/connlimit"
	"github.com/argusrtc/argus/telemetry/prom"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"
)

// transportSetup is one registered transport and its parsed flags.
type transportSetup struct {
	reg   transports.Registration
	setup transports.Setup
}

// bindTransportFlags adds the flags of every registered transport that
// declares its own (HTTP and WebSocket use the listener flags of config).
func bindTransportFlags(fs *flag.FlagSet) []transportSetup {
	var out []transportSetup
	for _, r := range transports.Registered() {
		if r.Flags != nil {
			out = append(out, transportSetup{reg: r, setup: r.Flags(fs)})
		}
	}
	return out
}

// startTransports starts every self-registered transport its flags enabled.
func (s *server) startTransports(ctx context.Context, cfg config) error {
	for _, t := range cfg.transports {
		if !t.setup.Enabled() {
			continue
		}
		r, err := t.setup.Start(ctx, transports.Deps{
			Gateway: s.gateway, Emitter: s.obs.bus, ServerName: cfg.ServerName,
			Logger: s.logger, Refusals: s.connRefusals.For(t.reg.Package),
		})
		if err != nil {
			return fmt.Errorf("%s: %w", t.reg.Package, err)
		}
		s.logger.Info("transport started", slog.String("transport", t.reg.Package))
		s.running = append(s.running, r)
		s.drops.add(t.reg.Package, r)
	}
	return nil
}

// closeTransports stops the self-registered transports, newest first.
func (s *server) closeTransports() {
	for i := len(s.running) - 1; i >= 0; i-- {
		s.running[i].Close()
	}
	s.running = nil
}

// transportDescs lists the enabled transports for server_info, under
// their Janus package names.
func transportDescs(cfg config) []core.TransportDesc {
	var out []core.TransportDesc
	add := func(pkg string) {
		if r, ok := transports.Lookup(pkg); ok {
			out = append(out, r.Desc())
		}
	}
	if cfg.HTTPAddr != "" || cfg.AdminAddr != "" {
		add(http.Package)
	}
	if cfg.WSAddr != "" || cfg.AdminWSAddr != "" {
		add(websocket.Package)
	}
	for _, t := range cfg.transports {
		if t.setup.Enabled() {
			out = append(out, t.reg.Desc())
		}
	}
	return out
}

// dropCounter is a started transport that counts the outgoing messages it
// dropped (the Unix, RabbitMQ and MQTT transports).
type dropCounter interface{ Dropped() uint64 }

// transportDrops feeds argus_transport_dropped_total.
type transportDrops struct {
	mu      sync.Mutex
	started map[string]dropCounter // by Janus package name
}

func (d *transportDrops) add(pkg string, r transports.Running) {
	dc, ok := r.(dropCounter)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started == nil {
		d.started = map[string]dropCounter{}
	}
	d.started[pkg] = dc
}

// transportDropStats lists every transport, so each series exists at 0
// from start-up. Drops: HTTP (long-poll queue overflows) and WebSocket
// (write queue overflows) from their limit counters, which
// argus_limit_refused_total also exports, the self-registered ones from
// their own counts once started. Refused connections: every declared
// reason of every transport, from connRefusals.
func (s *server) transportDropStats() []prom.TransportStat {
	out := []prom.TransportStat{
		{Transport: http.Package, Dropped: s.refusals.Count(http.LimitLongPollQueue),
			Refused: s.connRefusals.For(http.Package).Counts()},
		{Transport: websocket.Package, Dropped: s.refusals.Count(websocket.LimitWriteQueue),
			Refused: s.connRefusals.For(websocket.Package).Counts()},
	}
	s.drops.mu.Lock()
	defer s.drops.mu.Unlock()
	for _, r := range transports.Registered() {
		if r.Package == http.Package || r.Package == websocket.Package {
			continue
		}
		st := prom.TransportStat{Transport: r.Package, Refused: s.connRefusals.For(r.Package).Counts()}
		if dc := s.drops.started[r.Package]; dc != nil {
			st.Dropped = dc.Dropped()
		}
		out = append(out, st)
	}
	return out
}

// listenerRefusals counts the connections a listener's connlimit budget
// refused under the transport it fronts: the total cap as
// transports.ReasonLimit, the per-address cap as ReasonLimitPerIP.
type listenerRefusals struct{ c *transports.RefusalCounter }

func (l listenerRefusals) Refused(limit string, n int) {
	reason := limit // a cap added later counts as transports.ReasonOther
	switch limit {
	case connlimit.LimitTotal:
		reason = transports.ReasonLimit
	case connlimit.LimitPerIP:
		reason = transports.ReasonLimitPerIP
	}
	for range n {
		l.c.Refused(reason)
	}
}
