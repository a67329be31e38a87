package natsevh

import (
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

func init() {
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag: telemetry.SinkFlag{Name: "event-nats", Kind: telemetry.FlagURL, Setting: "url",
			Usage: "publish events into a NATS JetStream stream (`URL` nats://host:4222, tls://host:4222)"},
		Options: append(append(evhkit.CommonOptions(evhkit.Compact, false),
			telemetry.SinkOption{Key: "stream", Default: DefaultStream, Usage: "JetStream stream"},
			telemetry.SinkOption{Key: "subject_prefix", Default: DefaultSubjectPrefix, Usage: "subjects are <prefix>.<emitter>.<type>"},
			telemetry.SinkOption{Key: "create_stream", Default: "true", Usage: "create or update the stream on connect"},
			telemetry.SinkOption{Key: "user", Usage: "user name"},
			telemetry.SinkOption{Key: "password", Usage: "password"},
			telemetry.SinkOption{Key: "token", Usage: "auth token"},
		), tlsKeys().Options()...),
		Handler: telemetry.HandlerInfo{Package: HandlerName, Name: "Argus NATS JetStream event handler",
			Author: "Argus", Description: "Publishes events into a NATS JetStream stream, per emitter and type, with sequence numbers.",
			VersionString: "0.0.1", Version: 1},
	})
}

// FromSettings builds the sink from its -sink-opt settings (see init).
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := Config{Stream: DefaultStream, SubjectPrefix: DefaultSubjectPrefix, CreateStream: true,
		Common: evhkit.DefaultCommon(evhkit.Compact)}
	st := evhkit.NewSettings(sc.Settings)
	st.String("url", &cfg.URL)
	st.Common(&cfg.Common, false)
	st.String("stream", &cfg.Stream)
	st.String("subject_prefix", &cfg.SubjectPrefix)
	st.Bool("create_stream", &cfg.CreateStream)
	st.String("user", &cfg.User)
	st.String("password", &cfg.Password)
	st.String("token", &cfg.Token)
	cfg.TLS = st.TLS(tlsKeys())
	if err := st.Err(); err != nil {
		return nil, err
	}
	return New(cfg, sc)
}

// tlsKeys are the sink's TLS settings, as Janus's module names them.
func tlsKeys() evhkit.TLSKeys { return evhkit.ClientTLSKeys("PEM CAs (implies TLS)") }
