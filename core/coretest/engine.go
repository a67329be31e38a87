package coretest

import (
	"testing"

	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testkit"
)

// Engine is a WebRTC engine of cfg for a test, closed when the test ends:
// with loopback candidates on 127.0.0.1 only (testkit.LoopbackICE, where
// the tests' pion clients gather) unless cfg enforces other addresses.
func Engine(t testing.TB, cfg webrtc.Config) *webrtc.Engine {
	t.Helper()
	cfg.IncludeLoopback = true
	if cfg.ICEEnforceList == nil {
		cfg.ICEEnforceList = testkit.LoopbackICE()
	}
	eng, err := webrtc.NewEngine(cfg)
	if err != nil {
		t.Fatalf("webrtc engine: %v", err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}
