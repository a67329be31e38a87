package natsevh

import (
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

func init() {
	evhkit.Register(telemetry.SinkSpec{
		Name: SinkName,
		Flag: telemetry.SinkFlag{Name: "event-nats",
			Usage: "publish events into a NATS JetStream stream (`URL` nats://host:4222, tls://host:4222)"},
		Handler: telemetry.ArgusHandler(HandlerName, "Argus NATS JetStream event handler",
			"Publishes events into a NATS JetStream stream, per emitter and type, with sequence numbers."),
	}, defaultConfig, options, New)
}

func defaultConfig() Config {
	return Config{Stream: DefaultStream, SubjectPrefix: DefaultSubjectPrefix, CreateStream: true,
		Common: evhkit.DefaultCommon(evhkit.Compact)}
}

// options are the sink's settings, read into c.
func options(c *Config) *evhkit.Options {
	o := evhkit.NewOptions("url", &c.URL, &c.Common, false)
	o.String("stream", &c.Stream, "JetStream stream")
	o.String("subject_prefix", &c.SubjectPrefix, "subjects are <prefix>.<emitter>.<type>")
	o.Bool("create_stream", &c.CreateStream, "create or update the stream on connect")
	o.String("user", &c.User, "user name")
	o.String("password", &c.Password, "password")
	o.String("token", &c.Token, "auth token")
	o.TLS(&c.TLS, evhkit.ClientTLSKeys("PEM CAs (implies TLS)"))
	return o
}
