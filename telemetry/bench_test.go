package telemetry_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

type nopSink struct{}

func (nopSink) Export(context.Context, []*telemetry.Event) error { return nil }
func (nopSink) Shutdown(context.Context) error                   { return nil }

// nopBus is a bus with n nopSinks attached, shut down after the benchmark
// (outside its timing).
func nopBus(b *testing.B, n int) *telemetry.Bus {
	bus := telemetry.NewBus()
	for i := range n {
		if err := bus.Attach("s"+strconv.Itoa(i), nopSink{}, telemetry.MaskAll); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = bus.Shutdown(ctx)
	})
	return bus
}

// BenchmarkEmit measures the cost on the emitting goroutine with 4 sinks
// attached (queues may fill and drop; Emit must stay allocation-free).
func BenchmarkEmit(b *testing.B) {
	bus := nopBus(b, 4)
	e := &telemetry.Event{Emitter: "bench", Type: telemetry.TypeMedia, Subtype: 3, Timestamp: telemetry.Now(), SessionID: 1, HandleID: 2}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bus.Emit(e)
	}
}

// BenchmarkEmitParallel is BenchmarkEmit from every P at once.
func BenchmarkEmitParallel(b *testing.B) {
	bus := nopBus(b, 4)
	e := &telemetry.Event{Emitter: "bench", Type: telemetry.TypeMedia, Timestamp: telemetry.Now()}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bus.Emit(e)
		}
	})
}

// BenchmarkThroughput measures end to end delivery: every event emitted is
// exported (queue sized so nothing drops), including the flush at the end.
func BenchmarkThroughput(b *testing.B) {
	bus := telemetry.NewBus()
	s := &countSink{}
	if err := bus.Attach("count", s, telemetry.MaskAll, telemetry.WithQueueSize(1<<16)); err != nil {
		b.Fatal(err)
	}
	e := &telemetry.Event{Emitter: "bench", Type: telemetry.TypeMedia, Timestamp: telemetry.Now()}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		// Retry on a full queue so the benchmark measures delivery, not drops.
		before := bus.Stats()[0].Dropped
		bus.Emit(e)
		for bus.Stats()[0].Dropped != before {
			before = bus.Stats()[0].Dropped
			bus.Emit(e)
		}
		n++
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.ForceFlush(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if got := s.n; got != n {
		b.Fatalf("exported %d of %d", got, n)
	}
	_ = bus.Shutdown(ctx)
}

type countSink struct{ n int } // only touched by the sink goroutine, read after flush

func (s *countSink) Export(_ context.Context, batch []*telemetry.Event) error {
	s.n += len(batch)
	return nil
}
func (*countSink) Shutdown(context.Context) error { return nil }

// BenchmarkEmitJSEP is BenchmarkEmit with a 512 KiB SDP: its size for the
// queues' byte budget must not encode it (0 allocations, as small events).
func BenchmarkEmitJSEP(b *testing.B) {
	bus := nopBus(b, 4)
	e := &telemetry.Event{Emitter: "bench", Type: telemetry.TypeJSEP, Timestamp: telemetry.Now(), SessionID: 1, HandleID: 2,
		Body: telemetry.JSEPBody{Owner: "remote", JSEP: telemetry.JSEP{Type: "offer", SDP: strings.Repeat("a=x\r\n", 512<<10/5)}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bus.Emit(e)
	}
}
