package janusref

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/janusclient/argustest"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/httpevh"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"

	_ "github.com/argusrtc/argus/plugins/echotest"  // registers janus.plugin.echotest
	_ "github.com/argusrtc/argus/plugins/videoroom" // registers janus.plugin.videoroom
)

// roomConfig is the VideoRoom room of both servers (Janus's room-1234).
const roomConfig = `{"rooms":[{"room":1234,"description":"Demo Room","secret":"adminpwd",
 "publishers":6,"bitrate":128000,"fir_freq":10,
 "audiolevel_event":true,"audio_active_packets":25,"audio_level_average":25}]}`

// argus is an in-process Argus whose HTTP event handler (Janus's sampleevh
// settings: grouping, every event) posts to a collector.
type argus struct {
	url, admin  string
	ws, adminWS string // the WebSocket transport's
	events      *collector
}

// startArgus runs argustest's Argus (real engine, loopback candidates)
// named as Janus is, with media stats every second like Janus's
// stats_period = 1, the VideoRoom room of Janus's config, and server_info
// listing the HTTP and WebSocket transports and the event handler as
// cmd/argus does. The bus drains after Argus stopped.
func startArgus(t *testing.T) *argus {
	t.Helper()
	logger := argustest.LoggerFromEnv()
	col := startCollector(t, "127.0.0.1:0")
	sink, err := httpevh.FromSettings(telemetry.SinkConfig{Logger: logger, Settings: map[string]string{
		"backend": col.url, "events": "all", "grouping": "true", "json": "compact",
	}})
	if err != nil {
		t.Fatal(err)
	}
	bus := telemetry.NewBus()
	if err := bus.Attach(httpevh.SinkName, sink, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	// Runs after argustest's cleanup stopped Argus.
	testkit.ShutdownAtEnd(t, "bus shutdown", 10*time.Second, bus.Shutdown)
	var desc []core.TransportDesc
	for _, pkg := range []string{http.Package, websocket.Package} { // as Janus's, which runs both
		if r, ok := transports.Lookup(pkg); ok {
			desc = append(desc, r.Desc())
		}
	}
	spec, _ := telemetry.SinkSpecOf(httpevh.SinkName)
	handlers := map[string]core.EventHandler{spec.Handler.Package: describedHandler{info: spec.Handler, sink: sink.(*httpevh.Sink)}}
	a := argustest.StartWith(t, argustest.Options{
		Name:        "janusref",
		Emitter:     bus,
		StatsPeriod: time.Second,
		Admin:       true,
		Configure: func(c *core.Config) {
			c.PluginConfigs = map[string]json.RawMessage{"janus.plugin.videoroom": json.RawMessage(roomConfig)}
			c.AdminSecret = adminSecret
			c.Transports = desc
			c.EventHandlers = handlers
		},
	})
	return &argus{url: a.HTTP, admin: a.AdminHTTP, ws: a.WS, adminWS: a.AdminWS, events: col}
}

// describedHandler is the sink as server_info's "events" lists it.
type describedHandler struct {
	info telemetry.HandlerInfo
	sink *httpevh.Sink
}

func (h describedHandler) Query(ctx context.Context, req json.RawMessage) any {
	return h.sink.Query(ctx, req)
}

func (h describedHandler) Info() core.ModuleInfo {
	return core.ModuleInfo{Name: h.info.Name, Author: h.info.Author, Description: h.info.Description,
		VersionString: h.info.VersionString, Version: h.info.Version}
}
