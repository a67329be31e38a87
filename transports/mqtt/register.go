package mqtt

import (
	"context"

	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/broker"
)

func init() {
	broker.Register(Package,
		transports.Module("JSON over MQTT transport", "The Janus API and Admin API over MQTT topics (to-janus / from-janus)."),
		"mqtt", "Janus API (and with admin_enabled=true the Admin API) over MQTT: broker `URL` mqtt://user:pass@host:1883?subscribe_topic=to-janus&publish_topic=from-janus; empty disables",
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
