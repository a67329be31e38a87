package mqtt

import (
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/broker"
)

func init() {
	broker.Register(Package,
		transports.Module("JSON over MQTT transport", "The Janus API and Admin API over MQTT topics (to-janus / from-janus)."),
		"mqtt", "Janus API (and with admin_enabled=true the Admin API) over MQTT: broker `URL` mqtt://user:pass@host:1883?subscribe_topic=to-janus&publish_topic=from-janus; empty disables",
		ParseURL, func(c *Config) *transports.Deps { return &c.Deps }, Start)
}
