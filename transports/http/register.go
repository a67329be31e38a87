package http

import (
	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/transports"
)

// cmd/argus wires this transport's listeners itself (-http, -admin), so
// the registration carries no flags.
func init() {
	transports.Register(transports.Registration{
		Package: Package,
		Info: core.ModuleInfo{
			Name: "JSON over HTTP transport", Author: core.Author,
			Description:   "The Janus API and Admin API over HTTP (REST and long poll).",
			VersionString: core.VersionString, Version: core.Version,
		},
	})
}
