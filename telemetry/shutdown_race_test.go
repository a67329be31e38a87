package telemetry_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// TestBusEmitDuringShutdownNeverLosesUncounted races emitters against
// Shutdown, many times: every event emitted is, for each sink, either
// exported or counted as dropped (issue 10: an Emit racing Shutdown could
// queue an event after the drain finished, lost and uncounted).
func TestBusEmitDuringShutdownNeverLosesUncounted(t *testing.T) {
	for round := range 50 {
		b := telemetry.NewBus()
		sinks := []*recSink{{}, {}}
		for i, s := range sinks {
			// A small queue makes full-queue drops happen too.
			if err := b.Attach(string(rune('a'+i)), s, telemetry.MaskAll, telemetry.WithQueueSize(64)); err != nil {
				t.Fatal(err)
			}
		}
		var emitted atomic.Uint64
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				<-start
				for i := range 300 {
					b.Emit(ev(telemetry.TypeSession, uint64(g*1000+i+1)))
					emitted.Add(1)
				}
			})
		}
		close(start)
		time.Sleep(time.Duration(round%5) * 100 * time.Microsecond) // vary where Shutdown lands
		shutdown(t, b)
		wg.Wait()
		for _, st := range b.Stats() {
			got := st.Exported + st.Dropped + st.Failed
			if got != emitted.Load() {
				t.Fatalf("round %d sink %s: exported %d + dropped %d + failed %d = %d, emitted %d",
					round, st.Name, st.Exported, st.Dropped, st.Failed, got, emitted.Load())
			}
		}
		for i, s := range sinks {
			if n := uint64(len(s.snapshot())); n != b.Stats()[i].Exported {
				t.Fatalf("sink %d received %d events, Stats says %d", i, n, b.Stats()[i].Exported)
			}
		}
	}
}

// TestBusShutdownWaitBounded: Shutdown returns within its deadline even
// while emitters keep going.
func TestBusShutdownWaitBounded(t *testing.T) {
	b := telemetry.NewBus()
	if err := b.Attach("s", &recSink{}, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() {
		for ctx.Err() == nil {
			b.Emit(ev(telemetry.TypeSession, 1))
		}
	})
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := b.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
