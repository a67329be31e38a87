package main

import (
	nethttp "net/http"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/history"
	"github.com/argusrtc/argus/web"
)

// mountConsole serves the history sink's console (page and API) on the
// Admin listener's mux when that sink is attached to bus. The API asks for
// the admin secret as a bearer token, except in the default set-up (the
// sample secret, which validate allows only on loopback), where the secret
// protects nothing. It is the only place that mounts /console/: an
// unguarded mount elsewhere would make ServeMux panic on the duplicate.
func mountConsole(adminMux *nethttp.ServeMux, cfg config, bus *telemetry.Bus) {
	s, ok := bus.Sink(history.SinkName)
	if !ok {
		return
	}
	h, ok := s.(interface{ Handler() nethttp.Handler })
	if !ok {
		return
	}
	adminMux.Handle(web.ConsolePrefix, web.Console(h.Handler(), web.ConsoleOptions{
		Secret: cfg.AdminSecret,
		Open:   cfg.AdminSecret == defaultAdminSecret && isLoopback(cfg.AdminAddr),
	}))
}
