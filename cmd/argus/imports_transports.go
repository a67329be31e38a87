package main

// The transports that declare their own flags register themselves in
// init() (transports.Register); cmd/argus binds their flags and starts the
// enabled ones (transports.go).
import (
	_ "github.com/argusrtc/argus/transports/mqtt"     // janus.transport.mqtt
	_ "github.com/argusrtc/argus/transports/rabbitmq" // janus.transport.rabbitmq
	_ "github.com/argusrtc/argus/transports/unix"     // janus.transport.pfunix
)
