package rabbitmq

import (
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/broker"
)

func init() {
	broker.Register(Package,
		transports.Module("JSON over RabbitMQ transport", "The Janus API and Admin API over RabbitMQ queues (to-janus / from-janus)."),
		"rabbitmq", "Janus API (and with admin_enabled=true the Admin API) over RabbitMQ: `URL` amqp://user:pass@host:5672/vhost?to_janus=to-janus&from_janus=from-janus; empty disables",
		ParseURL, func(c *Config) *transports.Deps { return &c.Deps }, Start)
}
