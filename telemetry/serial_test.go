package telemetry_test

import (
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// TestSerial: Each applies a batch's non-nil events in order until Close,
// which runs its release once; later batches are ignored.
func TestSerial(t *testing.T) {
	var s telemetry.Serial
	var got []uint64
	apply := func(e *telemetry.Event) { got = append(got, e.SessionID) }
	s.Each([]*telemetry.Event{{SessionID: 1}, nil, {SessionID: 2}}, apply)
	released := 0
	s.Close(func() { released++ })
	s.Each([]*telemetry.Event{{SessionID: 3}}, apply)
	s.Close(nil)
	if len(got) != 2 || got[0] != 1 || got[1] != 2 || released != 1 {
		t.Fatalf("applied %v, released %d times", got, released)
	}
}
