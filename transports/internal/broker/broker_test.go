package broker

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/fakegw"
	"github.com/argusrtc/argus/transports/internal/msgclient"
)

// TestConnectionEvents: with the Admin API on too, the broker
// connection's events are those of Janus 1.1.2's transports
// (test/janusref and their source): RabbitMQ emits "connected" once, at
// the first connection, and nothing when it is lost; MQTT emits
// "connected" at every connection and "reconnecting" when it is lost.
// Each is one event with the Janus API client's id, no admin_api, and
// Argus's "broker".
func TestConnectionEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string
	}{
		{"rabbitmq", Config{Package: "janus.transport.rabbitmq", Port: 5672, ConnectedOnce: true},
			[]string{`"data":{"event":"connected","broker":"127.0.0.1:5672"}`}},
		{"mqtt", Config{Package: "janus.transport.mqtt", Port: 1883, LostEvent: "reconnecting"}, []string{
			`"data":{"event":"connected","broker":"127.0.0.1:1883"}`,
			`"data":{"event":"reconnecting","broker":"127.0.0.1:1883"}`,
			`"data":{"event":"connected","broker":"127.0.0.1:1883"}`,
			`"data":{"event":"reconnecting","broker":"127.0.0.1:1883"}`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			em := telemetrytest.NewEmitter()
			cfg := tc.cfg
			cfg.Deps = transports.Deps{Gateway: fakegw.New(), Emitter: em, ServerName: "node-a", Logger: slog.New(slog.DiscardHandler)}
			cfg.Host, cfg.Admin = "127.0.0.1", true
			cfg.Send = func(context.Context, bool, msgclient.Out) error { return nil }
			c := New(t.Context(), cfg)
			defer c.Close()
			c.Up()
			c.Down()
			c.Up()
			c.Down()
			if c.Connects() != 2 || c.Connected() {
				t.Errorf("connects %d, connected %v; want 2, false", c.Connects(), c.Connected())
			}
			evs := em.Events()
			if len(evs) != len(tc.want) {
				t.Fatalf("%d events, want %d", len(evs), len(tc.want))
			}
			for i, e := range evs {
				js, err := e.MarshalJSON()
				b, _ := e.Body.(telemetry.TransportBody)
				if err != nil || !strings.Contains(string(js), tc.want[i]) || b.ID != strconv.FormatUint(c.Janus.Info().ConnID, 10) {
					t.Errorf("event %d: %s (%v), want %s with the Janus API client's id", i, js, err, tc.want[i])
				}
			}
		})
	}
}
