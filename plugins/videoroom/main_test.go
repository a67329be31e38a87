package videoroom

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// plugin goroutine ends with its session (pluginkit's goroutine group).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
