package load

import (
	"context"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"
)

// startArgus runs an in-process Argus (engine, gateway, HTTP and WebSocket
// transports on ephemeral 127.0.0.1 ports) and returns its ws:// and
// http:// Janus API URLs; it stops when the test ends.
func startArgus(t testing.TB) (wsURL, httpURL string) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	engine, err := webrtc.NewEngine(webrtc.Config{ServerName: "argus-load-test", Logger: logger, IncludeLoopback: true})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	cfg := core.DefaultConfig()
	cfg.ServerName = "argus-load-test"
	cfg.StatusPeriod = 0
	cfg.Engine = engine
	cfg.Logger = logger
	gw, err := core.New(context.Background(), cfg)
	if err != nil {
		_ = engine.Close()
		t.Fatalf("core.New: %v", err)
	}
	ht := http.New(http.Config{Gateway: gw, ServerName: "argus-load-test", Logger: logger})
	mux := nethttp.NewServeMux()
	mux.Handle("/janus", ht.JanusHandler())
	mux.Handle("/janus/", ht.JanusHandler())
	httpSrv := httptest.NewServer(mux)
	wt := websocket.New(websocket.Config{Gateway: gw, ServerName: "argus-load-test", Logger: logger})
	wsSrv := httptest.NewServer(wt.Handler())
	t.Cleanup(func() {
		ht.Close()
		wt.Close()
		httpSrv.Close()
		wsSrv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		if err := engine.Close(); err != nil {
			t.Errorf("engine close: %v", err)
		}
	})
	return "ws" + strings.TrimPrefix(wsSrv.URL, "http") + "/", httpSrv.URL + "/janus"
}
