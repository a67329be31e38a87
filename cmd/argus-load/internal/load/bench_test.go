package load

import (
	"context"
	"testing"
	"time"
)

// BenchmarkEchoTestSetup measures one whole EchoTest session against an
// in-process Argus over WebSocket on loopback: create, attach, offer,
// answer, ICE, DTLS, webrtcup, 1 ms of media, detach, destroy. Client and
// server share the process, so ns/op is their combined cost.
func BenchmarkEchoTestSetup(b *testing.B) {
	wsURL, _ := startArgus(b)
	cfg := DefaultConfig()
	cfg.URL = wsURL
	cfg.Sessions = 1
	cfg.Duration = time.Millisecond
	cfg.Ramp, cfg.Drain = 0, 0
	cfg.ICELoopback = true
	ctx := context.Background()
	failed := 0
	b.ResetTimer()
	for b.Loop() {
		res, err := Run(ctx, cfg, nil)
		if err != nil {
			b.Fatalf("Run: %v", err)
		}
		failed += res.Failed
	}
	b.ReportMetric(float64(failed), "failed")
	if failed > 0 {
		b.Fatalf("%d sessions failed", failed)
	}
}
