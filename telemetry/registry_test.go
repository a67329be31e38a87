package telemetry_test

import (
	"errors"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// registryRuns makes the registered name unique under -count=N.
var registryRuns atomic.Int32

func TestRegistry(t *testing.T) {
	name := "test-registry-" + strconv.Itoa(int(registryRuns.Add(1)))
	telemetry.RegisterSink(name, func(cfg telemetry.SinkConfig) (telemetry.Sink, error) {
		if cfg.Settings["fail"] == "yes" {
			return nil, errors.New("bad setting")
		}
		if cfg.Logger == nil {
			return nil, errors.New("nil logger")
		}
		return &recSink{}, nil
	})
	if !slices.Contains(telemetry.RegisteredSinks(), name) {
		t.Fatalf("RegisteredSinks = %v", telemetry.RegisteredSinks())
	}
	if _, err := telemetry.NewSink(name, telemetry.SinkConfig{ServerName: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := telemetry.NewSink(name, telemetry.SinkConfig{Settings: map[string]string{"fail": "yes"}}); err == nil {
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
		telemetry.RegisterSink(name, func(telemetry.SinkConfig) (telemetry.Sink, error) { return nil, nil })
	}()
}
