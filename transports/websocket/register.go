package websocket

import (
	"github.com/argusrtc/argus/transports"
)

// cmd/argus wires this transport's listeners itself (-ws, -admin-ws), so
// the registration carries no flags.
func init() {
	transports.Register(transports.Registration{
		Package: Package,
		Info: transports.Module("JSON over WebSockets transport",
			"The Janus API and Admin API over WebSocket (janus-protocol, janus-admin-protocol)."),
		// limit and limit_per_ip are the caps of the listeners cmd/argus
		// puts in front of the transport; it counts them here.
		Refuses: []string{transports.ReasonLimit, transports.ReasonLimitPerIP, transports.ReasonClosing,
			transports.ReasonOrigin, transports.ReasonSubprotocol, transports.ReasonHandshake, transports.ReasonTooLarge},
	})
}
