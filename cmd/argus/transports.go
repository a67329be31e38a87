package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/argusrtc/argus/core"
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
			Logger: s.logger,
		})
		if err != nil {
			return fmt.Errorf("%s: %w", t.reg.Package, err)
		}
		s.logger.Info("transport started", slog.String("transport", t.reg.Package))
		s.running = append(s.running, r)
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
