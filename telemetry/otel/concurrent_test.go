package otel

import (
	"context"
	"sync"
	"testing"
)

// TestExportShutdownConcurrentSafe races Export against Shutdown; run with
// -race. Whatever Export ran before Shutdown is ended by it.
func TestExportShutdownConcurrentSafe(t *testing.T) {
	r := newRecorder(t)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 20 {
			_ = r.sink.Export(context.Background(), echoTestScript()[:6])
		}
	}()
	go func() {
		defer wg.Done()
		_ = r.sink.Shutdown(context.Background())
	}()
	wg.Wait()
	if s, h, f := r.sink.open(); s+h+f != 0 {
		t.Errorf("open after Shutdown: %d %d %d", s, h, f)
	}
}
