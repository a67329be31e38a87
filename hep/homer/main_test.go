package homer

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind (a
// connection reader, a receiver).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
