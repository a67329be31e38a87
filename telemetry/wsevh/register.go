package wsevh

import (
	"errors"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// errClosedByServer is a connection the backend closed.
var errClosedByServer = errors.New("wsevh: connection closed by the server")

func init() {
	evhkit.Register(telemetry.SinkSpec{
		Name: SinkName,
		Flag: telemetry.SinkFlag{Name: "event-ws",
			Usage: "send events to a WebSocket server as Janus's wsevh (`URL` ws://host/path, wss://...)"},
		Handler: telemetry.ArgusHandler(HandlerName, "JANUS WebSocketsEventHandler plugin",
			"This is a trivial WebSockets event handler plugin for Janus."),
	}, defaultConfig, options, New)
}

func defaultConfig() Config {
	return Config{Subprotocol: DefaultSubprotocol, Common: evhkit.DefaultCommon(evhkit.Indented)}
}

// options are Janus wsevh's settings, read into c.
func options(c *Config) *evhkit.Options {
	o := evhkit.NewOptions("backend", &c.URL, &c.Common, true)
	o.String("subprotocol", &c.Subprotocol, "WebSocket subprotocol")
	o.Ignored("events_cap_on_reconnect", "accepted, ignored: the bus queue is the bound")
	o.Ignored("ws_logging", "accepted, ignored (libwebsockets logging in Janus)")
	o.TLS(&c.TLS, evhkit.ClientTLSKeys("PEM CAs for wss://"))
	return o
}
