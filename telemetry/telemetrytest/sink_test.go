package telemetrytest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSinkWithBus(t *testing.T) {
	b := telemetry.NewBus()
	s := telemetrytest.NewSink()
	if err := b.Attach("mem", s, telemetry.MaskAll, telemetry.WithBatchTimeout(5*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	b.Emit(&telemetry.Event{Type: telemetry.TypeSession, SessionID: 7})
	b.Emit(&telemetry.Event{Type: telemetry.TypeHandle, SessionID: 7, HandleID: 8})
	e, err := s.WaitFor(telemetrytest.Type(telemetry.TypeHandle), 5*time.Second)
	if err != nil || e.HandleID != 8 {
		t.Fatalf("WaitFor = %v, %v", e, err)
	}
	if got := s.Events(); len(got) != 2 || got[0].SessionID != 7 {
		t.Fatalf("Events = %v", got)
	}
	if _, err := s.WaitFor(telemetrytest.Type(telemetry.TypeCore), 20*time.Millisecond); !errors.Is(err, telemetrytest.ErrTimeout) {
		t.Fatalf("WaitFor core = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if !s.IsShutdown() {
		t.Fatal("not shut down")
	}
	s.Reset()
	if len(s.Events()) != 0 {
		t.Fatal("Reset kept events")
	}
}

func TestSinkSetError(t *testing.T) {
	s := telemetrytest.NewSink()
	boom := errors.New("boom")
	s.SetError(boom)
	if err := s.Export(context.Background(), []*telemetry.Event{{Type: 1}}); !errors.Is(err, boom) {
		t.Fatalf("Export = %v", err)
	}
	if len(s.Events()) != 1 {
		t.Fatal("batch not recorded")
	}
}

func TestEmitterWaitForConcurrent(t *testing.T) {
	em := telemetrytest.NewEmitter()
	go func() {
		for i := range 100 {
			em.Emit(&telemetry.Event{Type: telemetry.TypeMedia, SessionID: uint64(i)})
		}
		em.Emit(nil)
	}()
	e, err := em.WaitFor(func(e *telemetry.Event) bool { return e.SessionID == 99 }, 5*time.Second)
	if err != nil || e.SessionID != 99 {
		t.Fatalf("WaitFor = %v, %v", e, err)
	}
	if n := len(em.Events()); n != 100 {
		t.Fatalf("Events = %d", n)
	}
}
