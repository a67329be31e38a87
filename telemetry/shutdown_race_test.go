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

// parkSink parks its first Export until release is closed, after closing
// entered.
type parkSink struct {
	recSink
	entered, release chan struct{}
	once             sync.Once
}

func (s *parkSink) Export(ctx context.Context, batch []*telemetry.Event) error {
	s.once.Do(func() {
		close(s.entered)
		<-s.release
	})
	return s.recSink.Export(ctx, batch)
}

// TestBusEmitAfterDerivedDrainCounted parks Shutdown in the window between
// a deriving sink's drain and the bus's shutdown flag (in the drain's last
// Export, after its last look at the queue) and emits there: the event
// reaches the other sink, and the deriving sink counts it as dropped
// instead of leaving it in a queue nobody reads.
func TestBusEmitAfterDerivedDrainCounted(t *testing.T) {
	b := telemetry.NewBus()
	d := &parkSink{entered: make(chan struct{}), release: make(chan struct{})}
	other := &recSink{}
	// A long batch timeout: the derived sink's first Export is its drain's.
	if err := b.Attach("derive", d, telemetry.MaskAll, telemetry.WithDerivedEvents(), telemetry.WithBatchTimeout(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := b.Attach("other", other, telemetry.MaskAll, telemetry.WithBatchTimeout(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b.Emit(ev(telemetry.TypeSession, 1))
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- b.Shutdown(ctx)
	}()
	<-d.entered
	b.Emit(ev(telemetry.TypeSession, 2)) // in the window
	close(d.release)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, st := range b.Stats() {
		if got := st.Exported + st.Dropped + st.Failed; got != 2 {
			t.Errorf("sink %s: exported %d + dropped %d + failed %d = %d, emitted 2",
				st.Name, st.Exported, st.Dropped, st.Failed, got)
		}
		if st.QueueLen != 0 || st.QueueBytes != 0 {
			t.Errorf("sink %s: %d events (%d bytes) left queued", st.Name, st.QueueLen, st.QueueBytes)
		}
	}
	if n := len(other.snapshot()); n != 2 {
		t.Errorf("other sink exported %d events, want 2", n)
	}
	if n := len(d.snapshot()); n != 1 {
		t.Errorf("deriving sink exported %d events, want 1 (the one before Shutdown)", n)
	}
}
