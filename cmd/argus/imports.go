package main

// The bundled plugins and event sinks register themselves in init()
// (DESIGN.md "Composition root and registries"); the core never imports
// them.
import (
	_ "github.com/argusrtc/argus/hep/homer"             // sink "hep"
	_ "github.com/argusrtc/argus/plugins/echotest"      // janus.plugin.echotest
	_ "github.com/argusrtc/argus/plugins/videoroom"     // janus.plugin.videoroom
	_ "github.com/argusrtc/argus/telemetry/history"     // sink "history"
	_ "github.com/argusrtc/argus/telemetry/httpevh"     // sink "http"
	_ "github.com/argusrtc/argus/telemetry/mqttevh"     // sink "mqtt"
	_ "github.com/argusrtc/argus/telemetry/natsevh"     // sink "nats"
	_ "github.com/argusrtc/argus/telemetry/otel"        // sink "otel"
	_ "github.com/argusrtc/argus/telemetry/prom"        // sink "prom" (metrics exporter) and "prom-videoroom"
	_ "github.com/argusrtc/argus/telemetry/rabbitmqevh" // sink "rabbitmq"
	_ "github.com/argusrtc/argus/telemetry/wsevh"       // sink "ws"
)
