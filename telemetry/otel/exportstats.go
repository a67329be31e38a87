package otel

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ExportStats counts the spans the sink's TracerProvider handled, so
// /metrics shows what the OpenTelemetry SDK would otherwise drop or fail
// silently (it only hands errors to the global otel.Handle).
type ExportStats struct {
	Ended        uint64 // sampled spans ended
	Dropped      uint64 // ended while the export queue was full: never exported
	Exported     uint64 // spans the exporter accepted
	Failed       uint64 // spans in batches the exporter refused or timed out on
	ExportErrors uint64 // failed export calls
}

// exportCounters is the live form of ExportStats.
type exportCounters struct {
	ended, dropped, forwarded, exported, failed, exportErrors atomic.Uint64
}

func (c *exportCounters) stats() ExportStats {
	return ExportStats{
		Ended: c.ended.Load(), Dropped: c.dropped.Load(), Exported: c.exported.Load(),
		Failed: c.failed.Load(), ExportErrors: c.exportErrors.Load(),
	}
}

// countingExporter counts what its exporter accepted and refused.
type countingExporter struct {
	sdktrace.SpanExporter
	c *exportCounters
}

func (e countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		e.c.failed.Add(uint64(len(spans)))
		e.c.exportErrors.Add(1)
	} else {
		e.c.exported.Add(uint64(len(spans)))
	}
	return err
}

// countingProcessor sits in front of a blocking batch span processor and
// does the dropping itself, so every drop is counted: it forwards a span
// only while fewer than limit forwarded spans are unexported (still queued
// or being exported), which keeps the batcher's queue (of at least limit)
// from ever filling, so the batcher never blocks.
type countingProcessor struct {
	sdktrace.SpanProcessor
	c     *exportCounters
	limit uint64
}

func (p *countingProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	p.c.ended.Add(1)
	done := p.c.exported.Load() + p.c.failed.Load()
	if p.c.forwarded.Load()-done >= p.limit {
		p.c.dropped.Add(1)
		return
	}
	p.c.forwarded.Add(1)
	p.SpanProcessor.OnEnd(s)
}

// queueSlack keeps concurrent OnEnd calls that pass the check together
// within the batcher's queue.
const queueSlack = 64

// countedBatcher returns the batch span processor for exporter with its
// counters. The queue size follows OTEL_BSP_MAX_QUEUE_SIZE (default 2048).
func countedBatcher(exporter sdktrace.SpanExporter) (sdktrace.SpanProcessor, *exportCounters) {
	size := sdktrace.DefaultMaxQueueSize
	if v, err := strconv.Atoi(os.Getenv("OTEL_BSP_MAX_QUEUE_SIZE")); err == nil && v > 2*queueSlack {
		size = v
	}
	c := &exportCounters{}
	bsp := sdktrace.NewBatchSpanProcessor(countingExporter{SpanExporter: exporter, c: c},
		sdktrace.WithMaxQueueSize(size), sdktrace.WithBlocking())
	return &countingProcessor{SpanProcessor: bsp, c: c, limit: uint64(size - queueSlack)}, c
}
