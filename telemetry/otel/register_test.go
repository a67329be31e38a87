package otel

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

func TestRegisteredSink(t *testing.T) {
	if !slices.Contains(telemetry.RegisteredSinks(), SinkName) {
		t.Fatalf("%q not registered: %v", SinkName, telemetry.RegisteredSinks())
	}
	_, err := telemetry.NewSink(SinkName, telemetry.SinkConfig{ServerName: server,
		Settings: map[string]string{"endpoint": "x"}})
	if !errors.Is(err, ErrUnknownSetting) {
		t.Errorf("err = %v, want ErrUnknownSetting", err)
	}

	got := otlpReceiver(t)
	s, err := telemetry.NewSink(SinkName, telemetry.SinkConfig{ServerName: server})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Export(ctx, echoTestScript()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if names := receiveSpans(ctx, t, got); !names["hangup"] {
		t.Errorf("received spans %v", names)
	}
}
