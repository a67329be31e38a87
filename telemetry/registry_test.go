package telemetry_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

func TestRegistry(t *testing.T) {
	telemetry.RegisterSink("test-registry", func(cfg telemetry.SinkConfig) (telemetry.Sink, error) {
		if cfg.Settings["fail"] == "yes" {
			return nil, errors.New("bad setting")
		}
		if cfg.Logger == nil {
			return nil, errors.New("nil logger")
		}
		return &recSink{}, nil
	})
	if !slices.Contains(telemetry.RegisteredSinks(), "test-registry") {
		t.Fatalf("RegisteredSinks = %v", telemetry.RegisteredSinks())
	}
	if _, err := telemetry.NewSink("test-registry", telemetry.SinkConfig{ServerName: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := telemetry.NewSink("test-registry", telemetry.SinkConfig{Settings: map[string]string{"fail": "yes"}}); err == nil {
		t.Fatal("factory error not returned")
	}
	if _, err := telemetry.NewSink("nope", telemetry.SinkConfig{}); !errors.Is(err, telemetry.ErrUnknownSink) {
		t.Fatalf("unknown sink: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("duplicate RegisterSink did not panic")
			}
		}()
		telemetry.RegisterSink("test-registry", func(telemetry.SinkConfig) (telemetry.Sink, error) { return nil, nil })
	}()
}
