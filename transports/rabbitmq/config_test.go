package rabbitmq

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports/internal/broker/brokertest"
)

func TestParseURL(t *testing.T) {
	brokertest.CheckParse(t, ParseURL, ErrBadOption, []brokertest.ParseCase[Config]{
		{In: "amqp://guest:guest@127.0.0.1:5672/", Check: func(c Config) bool {
			return c.Janus.ToJanus == "to-janus" && c.Janus.FromJanus == "from-janus" && !c.AdminEnabled &&
				c.Admin.ToJanus == "to-janus-admin" && c.Janus.DeclareOutgoingQueue && c.Admin.DeclareOutgoingQueue && c.Exchange == "" &&
				c.URL == "amqp://guest:guest@127.0.0.1:5672/" && c.JSON == evhkit.Indented // Janus's default json
		}},
		{In: "amqp://h/?json=plain&heartbeat=5", Check: func(c Config) bool { return c.JSON == evhkit.Plain && c.URL == "amqp://h/?heartbeat=5" }},
		{In: "amqp://h/?json=pretty", WantErr: true},
		{In: "amqp://h/vh?to_janus=a&from_janus=b&admin_enabled=true&to_janus_admin=c&from_janus_admin=d&heartbeat=5", Check: func(c Config) bool {
			return c.Janus == API{ToJanus: "a", FromJanus: "b", DeclareOutgoingQueue: true} && c.AdminEnabled && c.Admin.ToJanus == "c" &&
				c.Admin.FromJanus == "d" && c.URL == "amqp://h/vh?heartbeat=5"
		}},
		{In: "amqps://h/?janus_exchange=x&janus_exchange_type=topic&queue_name=q&queue_durable=1&declare_outgoing_queue=false", Check: func(c Config) bool {
			return c.Exchange == "x" && c.ExchangeType == "topic" && c.Janus.QueueName == "q" && c.Janus.QueueDurable &&
				!c.Janus.DeclareOutgoingQueue && !c.Admin.QueueDurable && c.Admin.DeclareOutgoingQueue
		}},
		// The Admin API's queues have keys of their own, as in Janus.
		{In: "amqp://h/?queue_durable_admin=true&queue_autodelete_admin=1&queue_exclusive_admin=true&declare_outgoing_queue_admin=false&queue_name_admin=qa", Check: func(c Config) bool {
			return c.Admin == API{ToJanus: "to-janus-admin", FromJanus: "from-janus-admin", QueueName: "qa",
				QueueDurable: true, QueueAutoDelete: true, QueueExclusive: true} &&
				c.Janus == API{ToJanus: "to-janus", FromJanus: "from-janus", DeclareOutgoingQueue: true} && c.URL == "amqp://h/"
		}},
		{In: "amqps://h/?ssl_cacert=/ca.pem&ssl_cert=/c.pem&ssl_key=/k.pem&ssl_verify_hostname=false&heartbeat=5", Check: func(c Config) bool {
			return c.TLS != nil && c.TLS.CAFile == "/ca.pem" && c.TLS.CertFile == "/c.pem" && c.TLS.KeyFile == "/k.pem" &&
				!c.TLS.SkipVerify && c.TLS.SkipHostname && c.URL == "amqps://h/?heartbeat=5"
		}},
		{In: "amqp://h/?ssl_enabled=true&ssl_verify_peer=false", Check: func(c Config) bool {
			return c.TLS != nil && c.TLS.SkipVerify && c.URL == "amqps://h/"
		}},
		{In: "amqps://h/", Check: func(c Config) bool { return c.TLS == nil && c.URL == "amqps://h/" }},
		{In: "amqp://h/?ssl_enabled=false", Check: func(c Config) bool { return c.TLS == nil && c.URL == "amqp://h/" }},
		{In: "amqp://h/?ssl_cacert=/ca.pem", WantErr: true},
		{In: "amqps://h/?ssl_enabled=false", WantErr: true},
		{In: "amqps://h/?ssl_enabled=perhaps", WantErr: true},
		{In: "amqps://h/?ssl_verify_peer=perhaps", WantErr: true},
		{In: "http://h/", WantErr: true},
		{In: "amqp://h/?to_janus=", WantErr: true},
		{In: "amqp://h/?admin_enabled=maybe", WantErr: true},
		{In: "::", WantErr: true},
	})
}

func FuzzParseURL(f *testing.F) {
	brokertest.FuzzParse(f, ParseURL, func(c Config) bool {
		return c.Janus.ToJanus != "" && c.Janus.FromJanus != "" && strings.HasPrefix(c.URL, "amqp")
	}, "amqp://guest:guest@127.0.0.1:5672/?to_janus=a&admin_enabled=true", "amqps://h/%2f?queue_durable=0")
}

// TestTLSConfigBadFiles: a CA file that is missing or holds no PEM
// certificate is a configuration error (Start fails, the flag is named).
func TestTLSConfigBadFiles(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ca := range []string{filepath.Join(dir, "missing.pem"), notPEM} {
		cfg, err := ParseURL("amqps://127.0.0.1:1/?ssl_cacert=" + url.QueryEscape(ca))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Start(t.Context(), cfg); !errors.Is(err, ErrBadOption) {
			t.Errorf("CA %s: Start error %v, want ErrBadOption", ca, err)
		}
	}
}
