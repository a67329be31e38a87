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

// TestConnectionEventsOncePerConnection: with the Admin API on too, a
// broker connection is one "connected" and one "disconnected" event, as
// Janus 1.1.2's RabbitMQ and MQTT transports emit (test/janusref): the
// Janus API client's id, no admin_api, and Argus's "broker".
func TestConnectionEventsOncePerConnection(t *testing.T) {
	em := telemetrytest.NewEmitter()
	c := New(t.Context(), Config{
		Deps:    transports.Deps{Gateway: fakegw.New(), Emitter: em, ServerName: "node-a", Logger: slog.New(slog.DiscardHandler)},
		Package: "janus.transport.mqtt", Host: "127.0.0.1", Port: 1883, Admin: true,
		Send: func(context.Context, bool, msgclient.Out) error { return nil },
	})
	defer c.Close()
	c.Up()
	c.Down()
	evs := em.Events()
	want := []string{
		`"data":{"event":"connected","broker":"127.0.0.1:1883"}`,
		`"data":{"event":"disconnected","broker":"127.0.0.1:1883"}`,
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	for i, e := range evs {
		js, err := e.MarshalJSON()
		b, _ := e.Body.(telemetry.TransportBody)
		if err != nil || !strings.Contains(string(js), want[i]) || b.ID != strconv.FormatUint(c.Janus.Info().ConnID, 10) {
			t.Errorf("event %d: %s (%v), want %s with the Janus API client's id", i, js, err, want[i])
		}
	}
}
