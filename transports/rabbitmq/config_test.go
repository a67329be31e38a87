package rabbitmq

import (
	"errors"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
		check   func(c Config) bool
	}{
		{in: "amqp://guest:guest@127.0.0.1:5672/", check: func(c Config) bool {
			return c.Janus.ToJanus == "to-janus" && c.Janus.FromJanus == "from-janus" && !c.AdminEnabled &&
				c.Admin.ToJanus == "to-janus-admin" && c.DeclareOutgoingQueue && c.Exchange == "" &&
				c.URL == "amqp://guest:guest@127.0.0.1:5672/"
		}},
		{in: "amqp://h/vh?to_janus=a&from_janus=b&admin_enabled=true&to_janus_admin=c&from_janus_admin=d&heartbeat=5", check: func(c Config) bool {
			return c.Janus == API{ToJanus: "a", FromJanus: "b"} && c.AdminEnabled && c.Admin.ToJanus == "c" &&
				c.Admin.FromJanus == "d" && c.URL == "amqp://h/vh?heartbeat=5"
		}},
		{in: "amqps://h/?janus_exchange=x&janus_exchange_type=topic&queue_name=q&queue_durable=1&declare_outgoing_queue=false", check: func(c Config) bool {
			return c.Exchange == "x" && c.ExchangeType == "topic" && c.Janus.QueueName == "q" && c.QueueDurable && !c.DeclareOutgoingQueue
		}},
		{in: "http://h/", wantErr: true},
		{in: "amqp://h/?to_janus=", wantErr: true},
		{in: "amqp://h/?admin_enabled=maybe", wantErr: true},
		{in: "::", wantErr: true},
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
	f.Add("amqp://guest:guest@127.0.0.1:5672/?to_janus=a&admin_enabled=true")
	f.Add("amqps://h/%2f?queue_durable=0")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseURL(s)
		if err != nil {
			return
		}
		if c.Janus.ToJanus == "" || c.Janus.FromJanus == "" || !strings.HasPrefix(c.URL, "amqp") {
			t.Fatalf("%q parsed to %+v", s, c)
		}
	})
}
