package mqttevh

import (
	"strconv"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

func init() {
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag: telemetry.SinkFlag{Name: "event-mqtt", Kind: telemetry.FlagURL, Setting: "url",
			Usage: "publish events to an MQTT broker as Janus's mqttevh (`URL` mqtt://host:1883, mqtts://host:8883)"},
		Options: append(append(evhkit.CommonOptions(evhkit.Compact, false),
			telemetry.SinkOption{Key: "client_id", Usage: "MQTT client id (default argus-<server name>-<random>)"},
			telemetry.SinkOption{Key: "username", Usage: "user"},
			telemetry.SinkOption{Key: "password", Usage: "password"},
			telemetry.SinkOption{Key: "keep_alive_interval", Default: strconv.Itoa(DefaultKeepAlive), Usage: "seconds"},
			telemetry.SinkOption{Key: "cleansession", Default: "false", Usage: "clean session flag"},
			telemetry.SinkOption{Key: "topic", Default: DefaultTopic, Usage: "base topic"},
			telemetry.SinkOption{Key: "addevent", Default: "false", Usage: "publish on <topic>/<type label>"},
			telemetry.SinkOption{Key: "qos", Default: strconv.Itoa(DefaultQoS), Usage: "QoS of events, 0-2"},
			telemetry.SinkOption{Key: "retain", Default: "false", Usage: "retain events"},
			telemetry.SinkOption{Key: "connect_status", Default: DefaultConnectStatus, Usage: "published on <topic>/status after connecting"},
			telemetry.SinkOption{Key: "disconnect_status", Default: DefaultDisconnectStatus, Usage: "the will on <topic>/status"},
			telemetry.SinkOption{Key: "will_enabled", Default: "false", Usage: "register disconnect_status as the will"},
			telemetry.SinkOption{Key: "will_retain", Default: "false", Usage: "retain the will and the connect status"},
			telemetry.SinkOption{Key: "will_qos", Default: "0", Usage: "QoS of the will"},
		), tlsKeys().Options()...),
		Handler: telemetry.HandlerInfo{Package: HandlerName, Name: "JANUS MQTTEventHandler plugin",
			Author: "Argus", Description: "An MQTT event handler plugin for Janus.", VersionString: "0.1.0", Version: 1},
	})
}

// FromSettings builds the sink from Janus's mqttevh keys (see init).
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := Config{KeepAlive: DefaultKeepAlive, Topic: DefaultTopic, QoS: DefaultQoS,
		ConnectStatus: DefaultConnectStatus, DisconnectStatus: DefaultDisconnectStatus,
		Common: evhkit.DefaultCommon(evhkit.Compact)}
	st := evhkit.NewSettings(sc.Settings)
	st.String("url", &cfg.URL)
	st.Common(&cfg.Common, false)
	st.String("client_id", &cfg.ClientID)
	st.String("username", &cfg.User)
	st.String("password", &cfg.Password)
	st.Int("keep_alive_interval", &cfg.KeepAlive, 1, 65535)
	st.Bool("cleansession", &cfg.CleanSession)
	st.String("topic", &cfg.Topic)
	st.Bool("addevent", &cfg.AddEvent)
	st.Int("qos", &cfg.QoS, 0, 2)
	st.Bool("retain", &cfg.Retain)
	st.String("connect_status", &cfg.ConnectStatus)
	st.String("disconnect_status", &cfg.DisconnectStatus)
	st.Bool("will_enabled", &cfg.WillEnabled)
	st.Bool("will_retain", &cfg.WillRetain)
	st.Int("will_qos", &cfg.WillQoS, 0, 2)
	cfg.TLS = st.TLS(tlsKeys())
	if err := st.Err(); err != nil {
		return nil, err
	}
	return New(cfg, sc)
}

// tlsKeys are the sink's TLS settings, as Janus's module names them.
func tlsKeys() evhkit.TLSKeys { return evhkit.ClientTLSKeys("PEM CAs (implies TLS)") }
