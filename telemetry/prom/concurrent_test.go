package prom

import (
	"context"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestExportWhileScrapingConcurrentSafe exports from one goroutine (as the
// bus does) while others scrape; run with -race.
func TestExportWhileScrapingConcurrentSafe(t *testing.T) {
	reg, s := newTestSink(t, WithTraceID(traceIDOf))
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for range 50 {
			_ = s.Export(context.Background(), echoTestScript())
		}
	}()
	for range 2 {
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := reg.Gather(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := int(testutilCount(t, s)); got != 50 {
		t.Errorf("sessions created = %d, want 50", got)
	}
}

func testutilCount(t *testing.T, s *Sink) float64 {
	t.Helper()
	return testutil.ToFloat64(s.m.sessCreated)
}
