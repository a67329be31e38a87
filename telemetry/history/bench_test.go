package history_test

import (
	"context"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/history"
)

// BenchmarkExportMediaReports files batches of 512 media reports spread
// over 100 sessions (the common case: type 32 needs no body parsing).
func BenchmarkExportMediaReports(b *testing.B) {
	s := history.New(history.Config{})
	batch := make([]*telemetry.Event, 512)
	for i := range batch {
		batch[i] = &telemetry.Event{Type: telemetry.TypeMedia, Subtype: 3, Timestamp: int64(i), SessionID: uint64(i%100 + 1), HandleID: uint64(i%100 + 1000)}
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Export(context.Background(), batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}
