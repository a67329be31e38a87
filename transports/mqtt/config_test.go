package mqtt

import (
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports/internal/broker/brokertest"
)

func TestParseURL(t *testing.T) {
	brokertest.CheckParse(t, ParseURL, ErrBadOption, []brokertest.ParseCase[Config]{
		{In: "mqtt://127.0.0.1:1883", Check: func(c Config) bool {
			return c.Broker == "tcp://127.0.0.1:1883" && c.Janus.Subscribe == "to-janus" && c.Janus.Publish == "from-janus" &&
				c.Janus.SubscribeQoS == 1 && c.Janus.PublishQoS == 1 && !c.AdminEnabled && c.Admin.Subscribe == "to-janus-admin" &&
				c.CleanSession && c.KeepAlive == DefaultKeepAlive && c.JSON == evhkit.Indented // Janus's default json
		}},
		{In: "mqtt://h?json=compact", Check: func(c Config) bool { return c.JSON == evhkit.Compact && c.Broker == "tcp://h" }},
		{In: "mqtt://h?json=pretty", WantErr: true},
		{In: "ssl://u:p@h:8883?subscribe_topic=a&publish_topic=b&publish_qos=0&admin_enabled=1&admin_publish_topic=d&client_id=x&keep_alive_interval=5&cleansession=false", Check: func(c Config) bool {
			return c.Broker == "ssl://h:8883" && c.Username == "u" && c.Password == "p" && c.Janus.Subscribe == "a" &&
				c.Janus.Publish == "b" && c.Janus.PublishQoS == 0 && c.Admin.PublishQoS == 0 && c.AdminEnabled &&
				c.Admin.Publish == "d" && c.ClientID == "x" && c.KeepAlive == 5*time.Second && !c.CleanSession
		}},
		{In: "http://h", WantErr: true},
		{In: "mqtt://h?publish_qos=3", WantErr: true},
		{In: "mqtt://h?subscribe_topic=", WantErr: true},
		{In: "mqtt://h?keep_alive_interval=0", WantErr: true},
		{In: "mqtt://h?cleansession=perhaps", WantErr: true},
	})
}

func FuzzParseURL(f *testing.F) {
	brokertest.FuzzParse(f, ParseURL, func(c Config) bool {
		return c.Janus.Subscribe != "" && c.Janus.Publish != "" && c.Janus.PublishQoS <= 2 && c.Janus.SubscribeQoS <= 2
	}, "mqtt://u:p@127.0.0.1:1883?subscribe_topic=a&publish_qos=2", "ws://h/mqtt?admin_enabled=true")
}
