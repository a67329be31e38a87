package evhtest

import (
	"context"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// NewSink builds the sink registered as name from settings through the
// registry, as cmd/argus does, for the server "node-a"; it is shut down
// at the end of the test.
func NewSink[S telemetry.Sink](t testing.TB, name string, settings map[string]string) S {
	t.Helper()
	s, err := telemetry.NewSink(name, telemetry.SinkConfig{ServerName: "node-a", Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s.(S)
}

// RefusesSettings fails the test for each of settings that the sink
// registered as name accepts.
func RefusesSettings(t testing.TB, name string, settings ...map[string]string) {
	t.Helper()
	for _, m := range settings {
		if _, err := telemetry.NewSink(name, telemetry.SinkConfig{Settings: m}); err == nil {
			t.Errorf("settings %v accepted", m)
		}
	}
}

// Export exports events to s and fails the test on an error.
func Export(t testing.TB, s telemetry.Sink, events []*telemetry.Event) {
	t.Helper()
	if err := s.Export(context.Background(), events); err != nil {
		t.Fatal(err)
	}
}
