package dashboards

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine (gateway, PeerConnection, client,
// Prometheus process watcher) outlives the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
