package e2e

import (
	"testing"

	"go.uber.org/goleak"

	_ "github.com/argusrtc/argus/plugins/echotest" // registers janus.plugin.echotest
)

// TestMain fails the run if any goroutine (session, handle, PeerConnection,
// transport or client) outlives the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
