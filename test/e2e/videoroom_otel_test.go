package e2e

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry/otel"
	"github.com/argusrtc/argus/telemetry/prom"
)

// vrTestOTel replays every recorded event into the OpenTelemetry sink:
// each user's "subscribe" span links to the spans of the two publishers
// it receives, which live in those publishers' session traces.
func vrTestOTel(t *testing.T, srv *vrServer, users []*vrUser) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithIDGenerator(otel.NewIDGenerator()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	sink := otel.New(tp, otel.WithServerID("argus-e2e"))
	if err := sink.Export(context.Background(), srv.events.Events()); err != nil {
		t.Fatal(err)
	}
	if err := sink.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	traceOf := map[trace.TraceID]string{}
	for _, u := range users {
		traceOf[otel.TraceID("argus-e2e", u.sid)] = u.name
	}
	subscribes := 0
	for _, s := range exp.GetSpans() {
		if s.Name != "subscribe" {
			continue
		}
		subscribes++
		me := traceOf[s.SpanContext.TraceID()]
		linked := map[string]bool{}
		for _, l := range s.Links {
			linked[traceOf[l.SpanContext.TraceID()]] = true
		}
		if len(linked) != 2 || linked[me] || linked[""] {
			t.Errorf("%s's subscribe span links to %v, want the two other publishers", me, linked)
		}
	}
	if subscribes != len(users) {
		t.Errorf("%d subscribe spans, want %d", subscribes, len(users))
	}
}

// vrTestProm replays every recorded event into the Prometheus VideoRoom
// sink: media was forwarded to subscribers, and after the room was
// destroyed no publisher or subscriber is left.
func vrTestProm(t *testing.T, srv *vrServer) {
	reg := prometheus.NewPedanticRegistry()
	sink, err := prom.NewVideoRoomSink(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Export(context.Background(), srv.events.Events()); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += "/" + l.GetValue()
			}
			got[name] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	for _, name := range []string{"argus_videoroom_forwarded_packets_total/video", "argus_videoroom_forwarded_bytes_total/audio"} {
		if got[name] <= 0 {
			t.Errorf("%s = %v, want > 0 (%v)", name, got[name], got)
		}
	}
	for _, name := range []string{"argus_videoroom_rooms", "argus_videoroom_publishers", "argus_videoroom_subscribers"} {
		if v, ok := got[name]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want 0 after destroy", name, v, ok)
		}
	}
}
