package telemetry

import "time"

// SinkStats is a snapshot of one sink's queue, read at scrape time by the
// Prometheus sink (argus_events_queue_length{sink} and friends).
type SinkStats struct {
	Name               string
	Mask               Mask
	QueueLen           int
	QueueCap           int
	QueueBytes         int64  // the queued events' estimated size, bounded by WithQueueBytes
	Exported           uint64 // events handed to Export that returned nil
	Dropped            uint64 // events never handed to Export: full queue or byte budget, shutdown past its deadline, or emitted for a deriving sink after its drain
	Failed             uint64 // events in batches whose Export returned an error
	ExportErrors       uint64 // Export calls that returned an error
	LastExportDuration time.Duration
}

// Observer is told about every Export call; use it for a duration
// histogram. It runs on the sink's goroutine and must not block.
type Observer interface {
	ObserveExport(sink string, events int, d time.Duration, err error)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(sink string, events int, d time.Duration, err error)

// ObserveExport calls f.
func (f ObserverFunc) ObserveExport(sink string, events int, d time.Duration, err error) {
	f(sink, events, d, err)
}
