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
	evhkit.Register(telemetry.SinkSpec{
		Name: SinkName,
		Flag: telemetry.SinkFlag{Name: "event-rabbitmq",
			Usage: "publish events to RabbitMQ as Janus's rabbitmqevh (`URL` amqp://user:pass@host:5672/vhost, amqps://...)"},
		Handler: telemetry.ArgusHandler(HandlerName, "JANUS RabbitMQEventHandler plugin",
			"This is a trivial RabbitMQ event handler plugin for Janus."),
	}, defaultConfig, options, New)
}

func defaultConfig() Config {
	return Config{ExchangeType: DefaultExchangeType, RouteKey: DefaultRouteKey, DeclareQueue: true,
		Common: evhkit.DefaultCommon(evhkit.Indented)}
}

// options are Janus rabbitmqevh's settings (TLS ones named ssl_*), read
// into c.
func options(c *Config) *evhkit.Options {
	o := evhkit.NewOptions("url", &c.URL, &c.Common, true)
	o.String("exchange", &c.Exchange, "exchange (default: the default exchange)")
	o.String("exchange_type", &c.ExchangeType, "fanout, direct, topic or headers")
	o.String("route_key", &c.RouteKey, "routing key (and the declared queue)")
	o.Bool("declare_outgoing_queue", &c.DeclareQueue, "declare a queue named route_key")
	o.String("vhost", &c.Vhost, "virtual host (default: the URL's, else /)")
	o.String("username", &c.User, "user (default: the URL's, else guest)")
	o.String("password", &c.Pass, "password")
	o.Int("heartbeat", &c.Heartbeat, 0, 3600, "AMQP heartbeat, seconds (0: the library's)")
	o.TLS(&c.TLS, evhkit.TLSKeys{CA: "ssl_cacert", Cert: "ssl_cert", Key: "ssl_key", Verify: "ssl_verify_peer",
		CAUsage: "PEM CAs (implies TLS)"})
	return o
}
