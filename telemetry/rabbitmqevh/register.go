package rabbitmqevh

import (
	"errors"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// errNack is a message the broker refused (basic.nack).
var errNack = errors.New("rabbitmqevh: broker nacked the message")

func secs(n int) time.Duration { return time.Duration(n) * time.Second }

func init() {
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag: telemetry.SinkFlag{Name: "event-rabbitmq", Kind: telemetry.FlagURL, Setting: "url",
			Usage: "publish events to RabbitMQ as Janus's rabbitmqevh (`URL` amqp://user:pass@host:5672/vhost, amqps://...)"},
		Options: append(append(evhkit.CommonOptions(evhkit.Indented, true),
			telemetry.SinkOption{Key: "exchange", Usage: "exchange (default: the default exchange)"},
			telemetry.SinkOption{Key: "exchange_type", Default: DefaultExchangeType, Usage: "fanout, direct, topic or headers"},
			telemetry.SinkOption{Key: "route_key", Default: DefaultRouteKey, Usage: "routing key (and the declared queue)"},
			telemetry.SinkOption{Key: "declare_outgoing_queue", Default: "true", Usage: "declare a queue named route_key"},
			telemetry.SinkOption{Key: "vhost", Usage: "virtual host (default: the URL's, else /)"},
			telemetry.SinkOption{Key: "username", Usage: "user (default: the URL's, else guest)"},
			telemetry.SinkOption{Key: "password", Usage: "password"},
			telemetry.SinkOption{Key: "heartbeat", Usage: "AMQP heartbeat, seconds"},
		), tlsKeys().Options()...),
		Handler: telemetry.HandlerInfo{Package: HandlerName, Name: "JANUS RabbitMQEventHandler plugin",
			Author: "Argus", Description: "This is a trivial RabbitMQ event handler plugin for Janus.",
			VersionString: "0.0.1", Version: 1},
	})
}

// FromSettings builds the sink from Janus's rabbitmqevh keys (see init).
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := Config{ExchangeType: DefaultExchangeType, RouteKey: DefaultRouteKey, DeclareQueue: true,
		Common: evhkit.DefaultCommon(evhkit.Indented)}
	st := evhkit.NewSettings(sc.Settings)
	st.String("url", &cfg.URL)
	st.Common(&cfg.Common, true)
	st.String("exchange", &cfg.Exchange)
	st.String("exchange_type", &cfg.ExchangeType)
	st.String("route_key", &cfg.RouteKey)
	st.Bool("declare_outgoing_queue", &cfg.DeclareQueue)
	st.String("vhost", &cfg.Vhost)
	st.String("username", &cfg.User)
	st.String("password", &cfg.Pass)
	st.Int("heartbeat", &cfg.Heartbeat, 0, 3600)
	cfg.TLS = st.TLS(tlsKeys())
	if err := st.Err(); err != nil {
		return nil, err
	}
	return New(cfg, sc)
}

// tlsKeys are Janus rabbitmqevh's TLS settings (ssl_*).
func tlsKeys() evhkit.TLSKeys {
	return evhkit.TLSKeys{CA: "ssl_cacert", Cert: "ssl_cert", Key: "ssl_key", Verify: "ssl_verify_peer", CAUsage: "PEM CAs (implies TLS)"}
}
