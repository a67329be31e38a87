package telemetry_test

import (
	"context"
	"errors"
	"strings"
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

// waitClosed waits for ch to be closed, failing the test if that takes
// far longer than it can.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// bigJSEP is an event over 1 KiB, one the queues' byte budget counts.
func bigJSEP(session uint64) *telemetry.Event {
	return &telemetry.Event{Emitter: "test", Type: telemetry.TypeJSEP, Timestamp: telemetry.Now(), SessionID: session,
		Body: telemetry.JSEPBody{Owner: "remote", JSEP: telemetry.JSEP{Type: "offer", SDP: strings.Repeat("a=x\r\n", 400)}}}
}

// queueStats returns the stats of the sink named name.
func queueStats(t *testing.T, b *telemetry.Bus, name string) telemetry.SinkStats {
	t.Helper()
	for _, st := range b.Stats() {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no sink %q", name)
	return telemetry.SinkStats{}
}

// TestBusEmitAfterDerivedDrainCounted parks Shutdown in the window between
// the deriving sinks' drain and the bus's shutdown flag and emits there an
// event the byte budget counts (a JSEP event over 1 KiB): it reaches the
// other sink, and the deriving sink counts it as dropped, its bytes out of
// the budget, instead of leaving it in a queue nobody reads.
func TestBusEmitAfterDerivedDrainCounted(t *testing.T) {
	b := telemetry.NewBus()
	inWindow, resume := make(chan struct{}), make(chan struct{})
	var resumeOnce sync.Once
	release := func() { resumeOnce.Do(func() { close(resume) }) }
	defer release() // before Shutdown's wait below, on a failure too
	telemetry.SetAfterDerivedDrain(b, func() {
		close(inWindow)
		<-resume
	})
	d, other := &recSink{}, &recSink{}
	// A long batch timeout: the deriving sink's first Export is its drain's.
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
	waitClosed(t, inWindow, "Shutdown to reach the window")
	b.Emit(bigJSEP(2))
	if st := queueStats(t, b, "derive"); st.QueueLen != 1 || st.QueueBytes < 1024 {
		t.Fatalf("in the window, the deriving sink holds %d events (%d bytes), want the JSEP event", st.QueueLen, st.QueueBytes)
	}
	release()
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
	if st := queueStats(t, b, "derive"); st.Dropped != 1 {
		t.Errorf("deriving sink dropped %d events, want 1 (the one in the window)", st.Dropped)
	}
	if n := len(other.snapshot()); n != 2 {
		t.Errorf("other sink exported %d events, want 2", n)
	}
	if n := len(d.snapshot()); n != 1 {
		t.Errorf("deriving sink exported %d events, want 1 (the one before Shutdown)", n)
	}
}

// echoSink derives an event from every event it exports, its own derived
// ones included (its mask takes them): a derivation that never converges.
type echoSink struct {
	recSink
	out telemetry.Emitter
}

func (s *echoSink) Export(ctx context.Context, batch []*telemetry.Event) error {
	for _, e := range batch {
		s.out.Emit(ev(telemetry.TypeExternal, e.SessionID))
	}
	return s.recSink.Export(ctx, batch)
}

// TestBusDerivedDrainBounded: the drain of a sink that derives events for
// itself goes back to its queue after each export, a bounded number of
// times; what the last round derived is counted as dropped, and every
// derived event reaches the other sink.
func TestBusDerivedDrainBounded(t *testing.T) {
	b := telemetry.NewBus()
	echo, other := &echoSink{out: b}, &recSink{}
	if err := b.Attach("echo", echo, telemetry.MaskAll, telemetry.WithDerivedEvents(), telemetry.WithBatchTimeout(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := b.Attach("other", other, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	b.Emit(ev(telemetry.TypeSession, 1))
	shutdown(t, b)
	const emitted = telemetry.DrainRounds + 1 // the event and one derived per round
	if st := queueStats(t, b, "echo"); st.Exported != telemetry.DrainRounds || st.Dropped != 1 || st.QueueLen != 0 {
		t.Errorf("echo sink: exported %d, dropped %d, %d left queued; want %d, 1, 0",
			st.Exported, st.Dropped, st.QueueLen, telemetry.DrainRounds)
	}
	if n := len(other.snapshot()); n != emitted {
		t.Errorf("other sink exported %d events, want %d", n, emitted)
	}
}

// stuckDeriver derives an event the byte budget counts from its first
// Export, then parks it, deaf to ctx, until release is closed.
type stuckDeriver struct {
	out                    telemetry.Emitter
	entered, release, shut chan struct{}
	once                   sync.Once
}

func (s *stuckDeriver) Export(context.Context, []*telemetry.Event) error {
	s.once.Do(func() {
		s.out.Emit(bigJSEP(2))
		close(s.entered)
		<-s.release
	})
	return nil
}

func (s *stuckDeriver) Shutdown(context.Context) error {
	close(s.shut)
	return nil
}

// TestBusStuckDerivingSinkCounted: a deriving sink whose drain's Export
// outlives Shutdown's deadline, after deriving an event for itself, is
// shut down late; the event it derived is counted as dropped and its bytes
// leave the budget.
func TestBusStuckDerivingSinkCounted(t *testing.T) {
	b := telemetry.NewBus()
	s := &stuckDeriver{out: b, entered: make(chan struct{}), release: make(chan struct{}), shut: make(chan struct{})}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(s.release) }) }
	defer release()
	if err := b.Attach("stuck", s, telemetry.MaskAll, telemetry.WithDerivedEvents(), telemetry.WithBatchTimeout(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b.Emit(ev(telemetry.TypeSession, 1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Shutdown(ctx) }()
	waitClosed(t, s.entered, "the drain's Export")
	cancel() // the deadline passes with the Export stuck
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return past its deadline")
	}
	release()
	waitClosed(t, s.shut, "the late Shutdown")
	st := queueStats(t, b, "stuck")
	if st.Exported != 1 || st.Dropped != 1 || st.QueueLen != 0 || st.QueueBytes != 0 {
		t.Errorf("stuck sink: exported %d, dropped %d, %d events (%d bytes) left queued; want 1, 1, 0, 0",
			st.Exported, st.Dropped, st.QueueLen, st.QueueBytes)
	}
}
