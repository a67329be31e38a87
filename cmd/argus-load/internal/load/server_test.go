package load

import (
	"testing"

	"github.com/argusrtc/argus/internal/janusclient/argustest"
)

// startArgus runs an in-process Argus (internal/janusclient/argustest) and
// returns its ws:// and http:// Janus API URLs; it stops when the test ends.
func startArgus(t testing.TB) (wsURL, httpURL string) {
	t.Helper()
	u := argustest.Start(t, "argus-load-test")
	return u.WS, u.HTTP
}
