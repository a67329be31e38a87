package telemetry_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// recSink records every exported event and batch size.
type recSink struct {
	mu       sync.Mutex
	events   []*telemetry.Event
	batches  []int
	shutdown bool
	fail     error
}

func (s *recSink) Export(_ context.Context, batch []*telemetry.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, batch...)
	s.batches = append(s.batches, len(batch))
	return s.fail
}

func (s *recSink) Shutdown(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = true
	return nil
}

func (s *recSink) snapshot() []*telemetry.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*telemetry.Event(nil), s.events...)
}

// blockSink blocks every Export until release is closed or ctx is done.
type blockSink struct {
	entered    chan struct{}
	release    chan struct{}
	shut       chan struct{}
	once       sync.Once
	exporting  atomic.Bool
	concurrent atomic.Bool
}

func newBlockSink() *blockSink {
	return &blockSink{entered: make(chan struct{}), release: make(chan struct{}), shut: make(chan struct{})}
}

func (s *blockSink) Export(ctx context.Context, _ []*telemetry.Event) error {
	s.once.Do(func() { close(s.entered) })
	s.exporting.Store(true)
	defer time.Sleep(10 * time.Millisecond) // a slow return widens any overlap with Shutdown
	defer s.exporting.Store(false)
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *blockSink) Shutdown(context.Context) error {
	if s.exporting.Load() {
		s.concurrent.Store(true)
	}
	close(s.shut)
	return nil
}

func ev(typ telemetry.Type, session uint64) *telemetry.Event {
	return &telemetry.Event{Emitter: "test", Type: typ, Timestamp: telemetry.Now(), SessionID: session}
}

func shutdown(t *testing.T, b *telemetry.Bus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestBusMaskFiltersBeforeQueueing(t *testing.T) {
	b := telemetry.NewBus()
	sessions, media := &recSink{}, &recSink{}
	if err := b.Attach("sessions", sessions, telemetry.ParseMask("sessions")); err != nil {
		t.Fatal(err)
	}
	if err := b.Attach("media", media, telemetry.ParseMask("media,webrtc")); err != nil {
		t.Fatal(err)
	}
	b.Emit(ev(telemetry.TypeSession, 1))
	b.Emit(ev(telemetry.TypeMedia, 1))
	b.Emit(ev(telemetry.TypeWebRTC, 1))
	b.Emit(ev(telemetry.TypeCore, 0))
	b.Emit(nil)
	shutdown(t, b)
	if got := sessions.snapshot(); len(got) != 1 || got[0].Type != telemetry.TypeSession {
		t.Fatalf("sessions sink got %d events", len(got))
	}
	got := media.snapshot()
	if len(got) != 2 || got[0].Type != telemetry.TypeMedia || got[1].Type != telemetry.TypeWebRTC {
		t.Fatalf("media sink got %v", got)
	}
	if !sessions.shutdown || !media.shutdown {
		t.Fatal("sink Shutdown not called")
	}
}

func TestBusOrderingPerSink(t *testing.T) {
	b := telemetry.NewBus()
	s := &recSink{}
	if err := b.Attach("rec", s, telemetry.MaskAll, telemetry.WithBatchSize(7), telemetry.WithQueueSize(20000)); err != nil {
		t.Fatal(err)
	}
	const n = 10000
	for i := range n {
		b.Emit(ev(telemetry.TypeSession, uint64(i+1)))
	}
	shutdown(t, b)
	got := s.snapshot()
	if len(got) != n {
		t.Fatalf("got %d events, want %d", len(got), n)
	}
	for i, e := range got {
		if e.SessionID != uint64(i+1) {
			t.Fatalf("event %d has session %d: out of order", i, e.SessionID)
		}
	}
	for _, size := range s.batches {
		if size > 7 {
			t.Fatalf("batch of %d > batch size 7", size)
		}
	}
}

func TestBusBlockingSinkNeverSlowsEmit(t *testing.T) {
	b := telemetry.NewBus()
	stuck := newBlockSink()
	fast := &recSink{}
	if err := b.Attach("stuck", stuck, telemetry.MaskAll, telemetry.WithQueueSize(64), telemetry.WithBatchSize(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Attach("fast", fast, telemetry.MaskAll, telemetry.WithQueueSize(200000)); err != nil {
		t.Fatal(err)
	}
	b.Emit(ev(telemetry.TypeSession, 1))
	select {
	case <-stuck.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("stuck sink never called")
	}
	const n = 100000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			b.Emit(ev(telemetry.TypeSession, uint64(i+2)))
		}
	}()
	select {
	case <-done: // Emit returned while the sink is stuck
	case <-time.After(10 * time.Second):
		t.Fatal("Emit blocked behind a stuck sink")
	}
	var st telemetry.SinkStats
	for _, s := range b.Stats() {
		if s.Name == "stuck" {
			st = s
		}
	}
	if st.Dropped == 0 || st.QueueLen != 64 || st.QueueCap != 64 {
		t.Fatalf("stuck stats = %+v, want drops and a full queue", st)
	}
	if st.Dropped != n+1-1-64 {
		t.Fatalf("dropped %d, want %d (one in Export, 64 queued)", st.Dropped, n+1-1-64)
	}
	close(stuck.release)
	shutdown(t, b)
	if got := len(fast.snapshot()); got != n+1 {
		t.Fatalf("fast sink got %d events, want %d", got, n+1)
	}
}

func TestBusForceFlush(t *testing.T) {
	b := telemetry.NewBus()
	s := &recSink{}
	// A batch timeout of an hour: only ForceFlush can export.
	if err := b.Attach("rec", s, telemetry.MaskAll, telemetry.WithBatchTimeout(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		b.Emit(ev(telemetry.TypeHandle, uint64(i+1)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if got := len(s.snapshot()); got != 10 {
		t.Fatalf("after ForceFlush the sink has %d events, want 10", got)
	}
	st := b.Stats()[0]
	if st.Exported != 10 || st.QueueLen != 0 {
		t.Fatalf("stats %+v", st)
	}
	shutdown(t, b)
	if err := b.ForceFlush(ctx); !errors.Is(err, telemetry.ErrShutdown) {
		t.Fatalf("ForceFlush after Shutdown = %v, want ErrShutdown", err)
	}
}

func TestBusForceFlushDeadline(t *testing.T) {
	b := telemetry.NewBus()
	stuck := newBlockSink()
	if err := b.Attach("stuck", stuck, telemetry.MaskAll, telemetry.WithBatchSize(1)); err != nil {
		t.Fatal(err)
	}
	b.Emit(ev(telemetry.TypeSession, 1))
	<-stuck.entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ForceFlush = %v, want DeadlineExceeded", err)
	}
	close(stuck.release)
	shutdown(t, b)
}

func TestBusBatchTimeoutExports(t *testing.T) {
	b := telemetry.NewBus()
	s := &recSink{}
	if err := b.Attach("rec", s, telemetry.MaskAll, telemetry.WithBatchTimeout(10*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	b.Emit(ev(telemetry.TypeSession, 1))
	deadline := time.Now().Add(5 * time.Second)
	for len(s.snapshot()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("partial batch never exported by the timer")
		}
		time.Sleep(5 * time.Millisecond)
	}
	shutdown(t, b)
}

func TestBusShutdownDeadlineWithStuckSink(t *testing.T) {
	b := telemetry.NewBus()
	stuck := newBlockSink()
	if err := b.Attach("stuck", stuck, telemetry.MaskAll, telemetry.WithBatchSize(1)); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		b.Emit(ev(telemetry.TypeSession, uint64(i+1)))
	}
	<-stuck.entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := b.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Shutdown did not honour its deadline")
	}
	// The sink's Shutdown still comes, after its cancelled Export returned.
	select {
	case <-stuck.shut:
	case <-time.After(5 * time.Second):
		t.Fatal("stuck sink never shut down")
	}
	if stuck.concurrent.Load() {
		t.Fatal("Shutdown ran while Export was running")
	}
	// Second call returns the first result and does nothing else.
	if err2 := b.Shutdown(context.Background()); !errors.Is(err2, context.DeadlineExceeded) {
		t.Fatalf("second Shutdown = %v", err2)
	}
	if err := b.Attach("late", &recSink{}, telemetry.MaskAll); !errors.Is(err, telemetry.ErrShutdown) {
		t.Fatalf("Attach after Shutdown = %v", err)
	}
	b.Emit(ev(telemetry.TypeSession, 99)) // ignored, must not panic
}

func TestBusAttachErrors(t *testing.T) {
	b := telemetry.NewBus()
	defer shutdown(t, b)
	if err := b.Attach("", &recSink{}, telemetry.MaskAll); !errors.Is(err, telemetry.ErrInvalidSink) {
		t.Fatalf("empty name: %v", err)
	}
	if err := b.Attach("x", nil, telemetry.MaskAll); !errors.Is(err, telemetry.ErrInvalidSink) {
		t.Fatalf("nil sink: %v", err)
	}
	if err := b.Attach("x", &recSink{}, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	if err := b.Attach("x", &recSink{}, telemetry.MaskAll); !errors.Is(err, telemetry.ErrDuplicateSink) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, ok := b.Sink("x"); !ok {
		t.Fatal("Sink(x) not found")
	}
	if err := b.SetMask("nope", telemetry.MaskAll); !errors.Is(err, telemetry.ErrUnknownSink) {
		t.Fatalf("SetMask unknown: %v", err)
	}
}

func TestBusSetMask(t *testing.T) {
	b := telemetry.NewBus()
	s := &recSink{}
	if err := b.Attach("rec", s, telemetry.ParseMask("core")); err != nil {
		t.Fatal(err)
	}
	b.Emit(ev(telemetry.TypeSession, 1))
	if err := b.SetMask("rec", telemetry.ParseMask("sessions")); err != nil {
		t.Fatal(err)
	}
	if b.Stats()[0].Mask != telemetry.ParseMask("sessions") {
		t.Fatalf("stats mask %v", b.Stats()[0].Mask)
	}
	b.Emit(ev(telemetry.TypeSession, 2))
	shutdown(t, b)
	if got := s.snapshot(); len(got) != 1 || got[0].SessionID != 2 {
		t.Fatalf("got %v", got)
	}
}

func TestBusExportErrorsCountedAndObserved(t *testing.T) {
	var mu sync.Mutex
	var observed []error
	obs := telemetry.ObserverFunc(func(sink string, n int, d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if sink != "bad" || n != 3 || d < 0 {
			t.Errorf("observer got sink=%q n=%d d=%v", sink, n, d)
		}
		observed = append(observed, err)
	})
	b := telemetry.NewBus(telemetry.WithObserver(obs))
	boom := errors.New("boom")
	if err := b.Attach("bad", &recSink{fail: boom}, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		b.Emit(ev(telemetry.TypeSession, uint64(i+1)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.ForceFlush(ctx); !errors.Is(err, boom) {
		t.Fatalf("ForceFlush = %v, want the export error", err)
	}
	st := b.Stats()[0]
	if st.ExportErrors != 1 || st.Failed != 3 || st.Exported != 0 {
		t.Fatalf("stats %+v", st)
	}
	shutdown(t, b)
	mu.Lock()
	defer mu.Unlock()
	if len(observed) != 1 || !errors.Is(observed[0], boom) {
		t.Fatalf("observed %v", observed)
	}
}

type queryingSink struct{ recSink }

func (*queryingSink) EventHandlerName() string { return "argus.eventhandler.test" }
func (*queryingSink) Query(context.Context, json.RawMessage) any {
	return map[string]int{"result": 200}
}

func TestBusQuerier(t *testing.T) {
	b := telemetry.NewBus()
	defer shutdown(t, b)
	if err := b.Attach("q", &queryingSink{}, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Querier("nope"); ok {
		t.Fatal("unknown handler found")
	}
	q, ok := b.Querier("argus.eventhandler.test")
	if !ok {
		t.Fatal("handler not found")
	}
	if got := q.Query(context.Background(), nil).(map[string]int)["result"]; got != 200 {
		t.Fatalf("query result %d", got)
	}
}

func TestBusConcurrentSafe(t *testing.T) {
	b := telemetry.NewBus()
	sinks := make([]*recSink, 4)
	for i := range sinks {
		sinks[i] = &recSink{}
	}
	if err := b.Attach("s0", sinks[0], telemetry.MaskAll, telemetry.WithQueueSize(100000)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const emitters, per = 8, 1000
	for g := range emitters {
		wg.Go(func() {
			for i := range per {
				b.Emit(ev(telemetry.TypeSession, uint64(g*per+i+1)))
			}
		})
	}
	for i := 1; i < len(sinks); i++ {
		wg.Go(func() {
			if err := b.Attach("s"+string(rune('0'+i)), sinks[i], telemetry.MaskAll); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() {
		for range 100 {
			_ = b.Stats()
		}
	})
	wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := b.ForceFlush(ctx); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	shutdown(t, b)
	if got := len(sinks[0].snapshot()); got != emitters*per {
		t.Fatalf("first sink got %d, want %d", got, emitters*per)
	}
	for _, st := range b.Stats() {
		_ = st // Stats after Shutdown must not panic
	}
}

var _ telemetry.Querier = (*queryingSink)(nil)

// derivingSink emits one external event for every session event it
// exports, as telemetry/verdict does for the sessions that end.
type derivingSink struct {
	recSink
	out telemetry.Emitter
}

func (d *derivingSink) Export(ctx context.Context, batch []*telemetry.Event) error {
	for _, e := range batch {
		if e.Type == telemetry.TypeSession {
			d.out.Emit(ev(telemetry.TypeExternal, e.SessionID))
		}
	}
	return d.recSink.Export(ctx, batch)
}

func TestBusShutdownDrainsDerivingSinksFirst(t *testing.T) {
	for _, derives := range []bool{true, false} {
		b := telemetry.NewBus()
		d := &derivingSink{out: b}
		other := &recSink{}
		var opts []telemetry.QueueOption
		if derives {
			opts = append(opts, telemetry.WithDerivedEvents())
		}
		// A long batch timeout: the session events are still queued when
		// Shutdown starts, as at a gateway's shutdown.
		opts = append(opts, telemetry.WithBatchTimeout(time.Hour))
		if err := b.Attach("derive", d, telemetry.ParseMask("sessions"), opts...); err != nil {
			t.Fatal(err)
		}
		if err := b.Attach("other", other, telemetry.MaskAll); err != nil {
			t.Fatal(err)
		}
		const n = 50
		for i := range n {
			b.Emit(ev(telemetry.TypeSession, uint64(i+1)))
		}
		shutdown(t, b)
		external := 0
		for _, e := range other.snapshot() {
			if e.Type == telemetry.TypeExternal {
				external++
			}
		}
		if derives && external != n {
			t.Errorf("with WithDerivedEvents: the other sink exported %d derived events, want %d", external, n)
		}
		if !derives {
			t.Logf("without WithDerivedEvents: %d of %d derived events reached the other sink", external, n)
		}
	}
}
