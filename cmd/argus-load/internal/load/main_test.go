package load

import (
	"testing"

	"go.uber.org/goleak"

	_ "github.com/argusrtc/argus/plugins/echotest"  // registers janus.plugin.echotest
	_ "github.com/argusrtc/argus/plugins/videoroom" // registers janus.plugin.videoroom
)

// TestMain fails the run if a session, peer or client goroutine outlives the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
