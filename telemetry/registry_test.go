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

func TestSinkSpecsDescribeRegistered(t *testing.T) {
	name := "test-spec-" + strconv.Itoa(int(registryRuns.Add(1)))
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    name,
		Factory: func(telemetry.SinkConfig) (telemetry.Sink, error) { return nil, errors.New("unused") },
		Flag:    telemetry.SinkFlag{Name: name, Kind: telemetry.FlagURL, Setting: "url"},
		Options: []telemetry.SinkOption{{Key: "events", Default: "all"}},
		Handler: telemetry.HandlerInfo{Package: "test." + name},
	})
	got, ok := telemetry.SinkSpecOf(name)
	if !ok || got.Factory == nil || got.Flag.Setting != "url" || len(got.Options) != 1 || got.Handler.Package != "test."+name {
		t.Fatalf("SinkSpecOf(%q) = %+v, %v", name, got, ok)
	}
	specs, err := telemetry.SinkSpecs()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(specs, func(s telemetry.SinkSpec) bool { return s.Name == name && s.Factory != nil }) {
		t.Fatalf("SinkSpecs lacks %q", name)
	}
	if !slices.Contains(telemetry.RegisteredSinks(), name) {
		t.Fatalf("RegisterSinkSpec did not register the factory of %q", name)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a second DescribeSink did not panic")
		}
	}()
	telemetry.DescribeSink(telemetry.SinkSpec{Name: name})
}
