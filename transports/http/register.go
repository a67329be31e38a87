package http

import (
	"github.com/argusrtc/argus/transports"
)

// cmd/argus wires this transport's listeners itself (-http, -admin), so
// the registration carries no flags.
func init() {
	transports.Register(transports.Registration{
		Package: Package,
		Info: transports.Module("JSON over HTTP transport",
			"The Janus API and Admin API over HTTP (REST and long poll)."),
	})
}
