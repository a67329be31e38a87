package otel

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/argusrtc/argus/telemetry/otel/otlptest"
)

// otlpReceiver is a local OTLP/HTTP endpoint (otlptest.Receiver) whose
// requests arrive on the returned channel; the OTEL_* environment points
// at it for the rest of the test.
func otlpReceiver(t *testing.T) <-chan otlptest.Request {
	t.Helper()
	got := make(chan otlptest.Request, 16)
	otlptest.Receiver(t, func(r otlptest.Request) {
		select {
		case got <- r:
		default:
		}
	})
	return got
}

// TestOTLPHTTPExport sends the EchoTest trace through ExporterFromEnv's
// OTLP/HTTP exporter to a local receiver and decodes what arrives.
func TestOTLPHTTPExport(t *testing.T) {
	got := otlpReceiver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exportEchoTest(ctx, t)

	names := receiveSpans(ctx, t, got)
	if !names["handle janus.plugin.echotest"] || !names["ice"] {
		t.Errorf("received spans %v", names)
	}
}

// exportEchoTest sends the EchoTest trace through the exporter that
// ExporterFromEnv picks for the test's OTEL_* environment and flushes it
// (the sink's Shutdown flushes the provider). The provider is shut down
// when the test ends.
func exportEchoTest(ctx context.Context, t *testing.T) {
	t.Helper()
	exp, err := ExporterFromEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tp := NewTracerProvider(ctx, server, exp)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx)
	})
	sink := New(tp)
	if err := sink.Export(ctx, echoTestScript()); err != nil {
		t.Fatal(err)
	}
	if err := sink.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// receiveSpans decodes OTLP requests until the session span arrived and
// returns the names of the spans received.
func receiveSpans(ctx context.Context, t *testing.T, got <-chan otlptest.Request) map[string]bool {
	t.Helper()
	names := make(map[string]bool)
	for !names["session"] {
		var req otlptest.Request
		select {
		case req = <-got:
		case <-ctx.Done():
			t.Fatalf("no session span received; got %v", names)
		}
		if req.Path != "/v1/traces" || req.ContentType != "application/x-protobuf" {
			t.Fatalf("POST %s (%s), want /v1/traces protobuf", req.Path, req.ContentType)
		}
		var msg coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(req.Body, &msg); err != nil {
			t.Fatalf("decode: %v", err)
		}
		for _, rs := range msg.GetResourceSpans() {
			svc := ""
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					svc = kv.GetValue().GetStringValue()
				}
			}
			if svc != "argus" {
				t.Errorf("service.name %q, want argus", svc)
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, sp := range ss.GetSpans() {
					names[sp.GetName()] = true
					want := TraceID(server, testSession)
					if !bytes.Equal(sp.GetTraceId(), want[:]) {
						t.Errorf("%s: trace id %x, want %s", sp.GetName(), sp.GetTraceId(), want)
					}
				}
			}
		}
	}
	return names
}

func TestExporterFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name, tracesExporter, protocol string
		wantErr                        error
	}{
		{"default http", "", "", nil},
		{"grpc", "", "grpc", nil},
		{"http/protobuf", "otlp", "http/protobuf", nil},
		{"stdout protocol", "", "stdout", nil},
		{"console exporter", "console", "", nil},
		{"none", "none", "", ErrExporterDisabled},
		{"bad protocol", "", "http/json", ErrUnknownProtocol},
		{"bad exporter", "zipkin", "", ErrUnknownProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OTEL_TRACES_EXPORTER", tc.tracesExporter)
			t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "")
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", tc.protocol)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			exp, err := ExporterFromEnv(ctx)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if exp == nil {
				t.Fatal("nil exporter")
			}
			if err := exp.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		})
	}
}
