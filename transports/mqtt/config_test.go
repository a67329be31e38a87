package mqtt

import (
	"errors"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
		check   func(c Config) bool
	}{
		{in: "mqtt://127.0.0.1:1883", check: func(c Config) bool {
			return c.Broker == "tcp://127.0.0.1:1883" && c.Janus.Subscribe == "to-janus" && c.Janus.Publish == "from-janus" &&
				c.Janus.SubscribeQoS == 1 && c.Janus.PublishQoS == 1 && !c.AdminEnabled && c.Admin.Subscribe == "to-janus-admin" &&
				c.CleanSession && c.KeepAlive == DefaultKeepAlive
		}},
		{in: "ssl://u:p@h:8883?subscribe_topic=a&publish_topic=b&publish_qos=0&admin_enabled=1&admin_publish_topic=d&client_id=x&keep_alive_interval=5&cleansession=false", check: func(c Config) bool {
			return c.Broker == "ssl://h:8883" && c.Username == "u" && c.Password == "p" && c.Janus.Subscribe == "a" &&
				c.Janus.Publish == "b" && c.Janus.PublishQoS == 0 && c.Admin.PublishQoS == 0 && c.AdminEnabled &&
				c.Admin.Publish == "d" && c.ClientID == "x" && c.KeepAlive == 5*time.Second && !c.CleanSession
		}},
		{in: "http://h", wantErr: true},
		{in: "mqtt://h?publish_qos=3", wantErr: true},
		{in: "mqtt://h?subscribe_topic=", wantErr: true},
		{in: "mqtt://h?keep_alive_interval=0", wantErr: true},
		{in: "mqtt://h?cleansession=perhaps", wantErr: true},
	}
	for _, tc := range tests {
		c, err := ParseURL(tc.in)
		if tc.wantErr {
			if !errors.Is(err, ErrBadOption) {
				t.Errorf("%s: err %v, want ErrBadOption", tc.in, err)
			}
			continue
		}
		if err != nil || !tc.check(c) {
			t.Errorf("%s: %+v, %v", tc.in, c, err)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	f.Add("mqtt://u:p@127.0.0.1:1883?subscribe_topic=a&publish_qos=2")
	f.Add("ws://h/mqtt?admin_enabled=true")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseURL(s)
		if err != nil {
			return
		}
		if c.Janus.Subscribe == "" || c.Janus.Publish == "" || c.Janus.PublishQoS > 2 || c.Janus.SubscribeQoS > 2 {
			t.Fatalf("%q parsed to %+v", s, c)
		}
	})
}
