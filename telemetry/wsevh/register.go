package wsevh

import (
	"errors"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// errClosedByServer is a connection the backend closed.
var errClosedByServer = errors.New("wsevh: connection closed by the server")

func init() {
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag: telemetry.SinkFlag{Name: "event-ws", Kind: telemetry.FlagURL, Setting: "backend",
			Usage: "send events to a WebSocket server as Janus's wsevh (`URL` ws://host/path, wss://...)"},
		Options: append(append(evhkit.CommonOptions(evhkit.Indented, true),
			telemetry.SinkOption{Key: "subprotocol", Default: DefaultSubprotocol, Usage: "WebSocket subprotocol"},
			telemetry.SinkOption{Key: "events_cap_on_reconnect", Usage: "accepted, ignored: the bus queue is the bound"},
			telemetry.SinkOption{Key: "ws_logging", Usage: "accepted, ignored (libwebsockets logging in Janus)"},
		), tlsKeys().Options()...),
		Handler: telemetry.HandlerInfo{Package: HandlerName, Name: "JANUS WebSocketsEventHandler plugin",
			Author: "Argus", Description: "This is a trivial WebSockets event handler plugin for Janus.",
			VersionString: "0.0.1", Version: 1},
	})
}

// FromSettings builds the sink from Janus's wsevh keys (see init).
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := Config{Subprotocol: DefaultSubprotocol, Common: evhkit.DefaultCommon(evhkit.Indented)}
	st := evhkit.NewSettings(sc.Settings)
	st.String("backend", &cfg.URL)
	st.Common(&cfg.Common, true)
	st.String("subprotocol", &cfg.Subprotocol)
	var ignored string
	st.String("events_cap_on_reconnect", &ignored)
	st.String("ws_logging", &ignored)
	cfg.TLS = st.TLS(tlsKeys())
	if err := st.Err(); err != nil {
		return nil, err
	}
	return New(cfg, sc)
}

// tlsKeys are the sink's TLS settings, as Janus's module names them.
func tlsKeys() evhkit.TLSKeys { return evhkit.ClientTLSKeys("PEM CAs for wss://") }
