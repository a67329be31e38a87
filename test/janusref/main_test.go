package janusref

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine (client, peer, collector, Argus)
// outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
