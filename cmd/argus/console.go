package main

import (
	nethttp "net/http"

	"github.com/argusrtc/argus/web"
)

// mountConsole serves the history sink's console (page and API) on the
// Admin listener's mux. The API asks for the admin secret as a bearer
// token, except in the default set-up (the sample secret, which validate
// allows only on loopback), where the secret protects nothing.
func mountConsole(adminMux *nethttp.ServeMux, cfg config, api nethttp.Handler) {
	adminMux.Handle(web.ConsolePrefix, web.Console(api, web.ConsoleOptions{
		Secret: cfg.AdminSecret,
		Open:   cfg.AdminSecret == defaultAdminSecret && isLoopback(cfg.AdminAddr),
	}))
}
