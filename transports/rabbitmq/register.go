package rabbitmq

import (
	"context"

	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/broker"
)

func init() {
	broker.Register(Package,
		transports.Module("JSON over RabbitMQ transport", "The Janus API and Admin API over RabbitMQ queues (to-janus / from-janus)."),
		"rabbitmq", "Janus API (and with admin_enabled=true the Admin API) over RabbitMQ: `URL` amqp://user:pass@host:5672/vhost?to_janus=to-janus&from_janus=from-janus; empty disables",
		start)
}

func start(ctx context.Context, url string, d transports.Deps) (transports.Running, error) {
	cfg, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	cfg.Gateway, cfg.Emitter, cfg.ServerName = d.Gateway, d.Emitter, d.ServerName
	cfg.Logger = d.Logger.With("transport", Package)
	return Start(ctx, cfg)
}
