package mqttevh

import (
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

func init() {
	h := telemetry.ArgusHandler(HandlerName, "JANUS MQTTEventHandler plugin", "An MQTT event handler plugin for Janus.")
	h.VersionString = "0.1.0" // Janus's mqttevh's
	evhkit.Register(telemetry.SinkSpec{Name: SinkName, Handler: h,
		Flag: telemetry.SinkFlag{Name: "event-mqtt",
			Usage: "publish events to an MQTT broker as Janus's mqttevh (`URL` mqtt://host:1883, mqtts://host:8883)"},
	}, defaultConfig, options, New)
}

func defaultConfig() Config {
	return Config{KeepAlive: DefaultKeepAlive, Topic: DefaultTopic, QoS: DefaultQoS,
		ConnectStatus: DefaultConnectStatus, DisconnectStatus: DefaultDisconnectStatus,
		Common: evhkit.DefaultCommon(evhkit.Indented)}
}

// options are Janus mqttevh's settings, read into c.
func options(c *Config) *evhkit.Options {
	o := evhkit.NewOptions("url", &c.URL, &c.Common, false)
	o.String("client_id", &c.ClientID, "MQTT client id (default argus-<server name>-<random>)")
	o.String("username", &c.User, "user")
	o.String("password", &c.Password, "password")
	o.Int("keep_alive_interval", &c.KeepAlive, 1, 65535, "seconds")
	o.Bool("cleansession", &c.CleanSession, "clean session flag")
	o.String("topic", &c.Topic, "base topic")
	o.Bool("addevent", &c.AddEvent, "publish on <topic>/<type label>")
	o.Int("qos", &c.QoS, 0, 2, "QoS of events, 0-2")
	o.Bool("retain", &c.Retain, "retain events")
	o.String("connect_status", &c.ConnectStatus, "published on <topic>/status after connecting")
	o.String("disconnect_status", &c.DisconnectStatus, "the will on <topic>/status")
	o.Bool("will_enabled", &c.WillEnabled, "register disconnect_status as the will")
	o.Bool("will_retain", &c.WillRetain, "retain the will and the connect status")
	o.Int("will_qos", &c.WillQoS, 0, 2, "QoS of the will")
	o.TLS(&c.TLS, evhkit.ClientTLSKeys("PEM CAs (implies TLS)"))
	return o
}
