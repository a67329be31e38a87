package otel

import (
	"context"
	"errors"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// stubExporter fails every export, or blocks each until release closes.
type stubExporter struct {
	fail    error
	release chan struct{}
}

func (e *stubExporter) ExportSpans(ctx context.Context, _ []sdktrace.ReadOnlySpan) error {
	if e.release != nil {
		select {
		case <-e.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return e.fail
}

func (e *stubExporter) Shutdown(context.Context) error { return nil }

func endSpans(t *testing.T, tp *sdktrace.TracerProvider, n int) {
	t.Helper()
	tr := tp.Tracer("test")
	for range n {
		_, s := tr.Start(context.Background(), "s")
		s.End()
	}
}

func TestExportFailuresCounted(t *testing.T) {
	tp, c := newCountedProvider(t.Context(), "test", &stubExporter{fail: errors.New("collector down")})
	endSpans(t, tp, 10)
	if err := tp.ForceFlush(t.Context()); err == nil {
		t.Log("ForceFlush hid the export error") // the SDK reports it via otel.Handle; the counters are what matters
	}
	_ = tp.Shutdown(t.Context())
	st := c.stats()
	if st.Ended != 10 || st.Failed != 10 || st.ExportErrors == 0 || st.Exported != 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestQueueFullDropsCountedWithoutBlocking: with a stuck collector, ending
// spans never blocks (the sink's goroutine keeps going) and every span is
// exported, failed or counted as dropped.
func TestQueueFullDropsCountedWithoutBlocking(t *testing.T) {
	t.Setenv("OTEL_BSP_MAX_QUEUE_SIZE", "200")
	exp := &stubExporter{release: make(chan struct{})}
	tp, c := newCountedProvider(t.Context(), "test", exp)
	done := make(chan struct{})
	go func() {
		defer close(done)
		endSpans(t, tp, 3000)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("ending spans blocked on a stuck exporter")
	}
	if st := c.stats(); st.Dropped == 0 {
		t.Fatalf("no drops counted with a stuck exporter: %+v", st)
	}
	close(exp.release)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	st := c.stats()
	if st.Ended != 3000 || st.Dropped+st.Exported+st.Failed != st.Ended {
		t.Fatalf("unaccounted spans: %+v", st)
	}
}
