package dashboards

import (
	"log/slog"
	nethttp "net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/janusclient/argustest"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
	"github.com/argusrtc/argus/telemetry/prom"

	_ "github.com/argusrtc/argus/plugins/echotest"  // registers janus.plugin.echotest
	_ "github.com/argusrtc/argus/telemetry/history" // registers the history sink
)

// videoRoomSinkName is the bus name of prom.VideoRoomSink (the sink label
// of its pipeline metrics).
const videoRoomSinkName = "prom-videoroom"

// testServerName is the emitter and the trace-id seed of the test gateway.
const testServerName = "argus-dashboards-test"

// argus is one in-process gateway wired as cmd/argus wires it for metrics:
// the event bus with the prom, VideoRoom metrics and history sinks, the export observer, the
// state and bus collectors; the Janus API and /metrics on loopback.
type argus struct {
	janusURL   string // http://127.0.0.1:port/janus
	metricsURL string // http://127.0.0.1:port/metrics
	gateway    *core.Gateway
	bus        *telemetry.Bus
}

func testLogger() *slog.Logger { return argustest.LoggerFromEnv() }

// startArgus starts the gateway and stops it (transports, gateway, engine,
// bus) when the test ends.
func startArgus(t *testing.T) *argus {
	t.Helper()
	logger := testLogger()
	reg := prometheus.NewRegistry()
	var bus *telemetry.Bus
	obs, err := prom.NewExportObserver(reg, func() []string { return prom.SinkNames(prom.FromBusStats(bus.Stats())) })
	if err != nil {
		t.Fatal(err)
	}
	bus = telemetry.NewBus(telemetry.WithLogger(logger), telemetry.WithObserver(obs))
	sink, err := prom.New(reg, prom.WithTraceID(otel.TraceIDFunc(testServerName)))
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Attach("prom", sink, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	// VideoRoom metrics: its own sink on the same registry (types 2, 32, 64).
	vr, err := prom.NewVideoRoomSink(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Attach(videoRoomSinkName, vr, telemetry.ParseMask("handles,media,plugins")); err != nil {
		t.Fatal(err)
	}
	hist, err := telemetry.NewSink("history", telemetry.SinkConfig{ServerName: testServerName, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Attach("history", hist, telemetry.MaskAll, telemetry.WithBatchTimeout(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}

	// The bus drains after the gateway and engine have stopped (cleanups
	// run last-registered first).
	testkit.ShutdownAtEnd(t, "bus shutdown", 10*time.Second, bus.Shutdown)
	a := argustest.StartWith(t, argustest.Options{
		Name:        testServerName,
		Logger:      logger,
		Emitter:     bus,
		StatsPeriod: time.Second,
		Configure:   func(cfg *core.Config) { cfg.MediaStatsPeriod = time.Second },
		Handlers:    map[string]nethttp.Handler{"/metrics": prom.Handler(reg)},
	})
	gw := a.Gateway
	if err := reg.Register(prom.NewStateCollector(func() (int, int, int) {
		n := gw.Counts()
		return n.Sessions, n.Handles, n.PeerConnections
	})); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(prom.NewBusCollector(func() []prom.SinkStat { return prom.FromBusStats(bus.Stats()) })); err != nil {
		t.Fatal(err)
	}

	return &argus{janusURL: a.HTTP, metricsURL: a.Base + "/metrics", gateway: gw, bus: bus}
}
