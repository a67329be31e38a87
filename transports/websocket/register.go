package websocket

import (
	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/transports"
)

// cmd/argus wires this transport's listeners itself (-ws, -admin-ws), so
// the registration carries no flags.
func init() {
	transports.Register(transports.Registration{
		Package: Package,
		Info: core.ModuleInfo{
			Name: "JSON over WebSockets transport", Author: core.Author,
			Description:   "The Janus API and Admin API over WebSocket (janus-protocol, janus-admin-protocol).",
			VersionString: core.VersionString, Version: core.Version,
		},
	})
}
