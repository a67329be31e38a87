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
		// The caps of the listeners cmd/argus puts in front of the
		// transport; it counts them here. The transport itself refuses
		// requests, not connections (403, 503 and 454 answer each one).
		Refuses: []string{transports.ReasonLimit, transports.ReasonLimitPerIP},
	})
}
