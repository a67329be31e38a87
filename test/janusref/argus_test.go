package janusref

import (
	"context"
	"encoding/json"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/httpevh"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/http"

	_ "github.com/argusrtc/argus/plugins/echotest"  // registers janus.plugin.echotest
	_ "github.com/argusrtc/argus/plugins/videoroom" // registers janus.plugin.videoroom
)

// roomConfig is the VideoRoom room of both servers (Janus's room-1234).
const roomConfig = `{"rooms":[{"room":1234,"description":"Demo Room","secret":"adminpwd",
 "publishers":6,"bitrate":128000,"fir_freq":10}]}`

// argus is an in-process Argus whose HTTP event handler (Janus's sampleevh
// settings: grouping, every event) posts to a collector.
type argus struct {
	url    string
	events *collector
}

// startArgus runs the real engine (loopback candidates), gateway and HTTP
// transport on 127.0.0.1, with media stats every second like Janus's
// stats_period = 1, and stops them in Janus's order when the test ends.
func startArgus(t *testing.T) *argus {
	t.Helper()
	level := slog.LevelError
	if v := os.Getenv("ARGUS_E2E_LOG"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
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
	engine, err := webrtc.NewEngine(webrtc.Config{
		ServerName: "janusref", Logger: logger, IncludeLoopback: true, Emitter: bus, StatsPeriod: time.Second,
	})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	cfg := core.DefaultConfig()
	cfg.ServerName = "janusref"
	cfg.StatusPeriod = 0 // Janus 1.1.2 has no periodic status event
	cfg.Engine = engine
	cfg.Logger = logger
	cfg.Emitter = bus
	cfg.PluginConfigs = map[string]json.RawMessage{"janus.plugin.videoroom": json.RawMessage(roomConfig)}
	// server_info (in the startup event) lists the transport and the
	// event handler as cmd/argus does.
	if r, ok := transports.Lookup(http.Package); ok {
		cfg.Transports = []core.TransportDesc{r.Desc()}
	}
	spec, _ := telemetry.SinkSpecOf(httpevh.SinkName)
	cfg.EventHandlers = map[string]core.EventHandler{spec.Handler.Package: describedHandler{info: spec.Handler, sink: sink.(*httpevh.Sink)}}
	gw, err := core.New(context.Background(), cfg)
	if err != nil {
		_ = engine.Close()
		t.Fatalf("core.New: %v", err)
	}
	ht := http.New(http.Config{Gateway: gw, Emitter: bus, ServerName: "janusref", Logger: logger})
	mux := nethttp.NewServeMux()
	mux.Handle("/janus", ht.JanusHandler())
	mux.Handle("/janus/", ht.JanusHandler())
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
	return &argus{url: srv.URL + "/janus", events: col}
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
