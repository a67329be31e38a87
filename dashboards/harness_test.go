package dashboards

import (
	"context"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
	"github.com/argusrtc/argus/telemetry/prom"
	"github.com/argusrtc/argus/transports/http"

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

func testLogger() *slog.Logger {
	level := slog.LevelError
	if v := os.Getenv("ARGUS_E2E_LOG"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

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

	engine, err := webrtc.NewEngine(webrtc.Config{
		ServerName:      testServerName,
		Emitter:         bus,
		Logger:          logger,
		IncludeLoopback: true,
		StatsPeriod:     time.Second,
	})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	cfg := core.DefaultConfig()
	cfg.ServerName = testServerName
	cfg.StatusPeriod = 0
	cfg.MediaStatsPeriod = time.Second
	cfg.Engine = engine
	cfg.Emitter = bus
	cfg.Logger = logger
	gw, err := core.New(context.Background(), cfg)
	if err != nil {
		_ = engine.Close()
		t.Fatalf("core.New: %v", err)
	}
	if err := reg.Register(prom.NewStateCollector(func() (int, int, int) {
		n := gw.Counts()
		return n.Sessions, n.Handles, n.PeerConnections
	})); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(prom.NewBusCollector(func() []prom.SinkStat { return prom.FromBusStats(bus.Stats()) })); err != nil {
		t.Fatal(err)
	}

	ht := http.New(http.Config{Gateway: gw, Emitter: bus, ServerName: testServerName, Logger: logger})
	mux := nethttp.NewServeMux()
	mux.Handle("/janus", ht.JanusHandler())
	mux.Handle("/janus/", ht.JanusHandler())
	mux.Handle("/metrics", prom.Handler(reg))
	srv := httptest.NewServer(mux)

	t.Cleanup(func() {
		ht.Close()
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		if err := engine.Close(); err != nil {
			t.Errorf("engine close: %v", err)
		}
		if err := bus.Shutdown(ctx); err != nil {
			t.Errorf("bus shutdown: %v", err)
		}
	})
	return &argus{janusURL: srv.URL + "/janus", metricsURL: srv.URL + "/metrics", gateway: gw, bus: bus}
}
