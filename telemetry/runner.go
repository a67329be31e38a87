package telemetry

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// item is one queue entry: an event, or a ForceFlush marker. Keeping the
// marker in the same channel makes a flush respect the queue's order.
type item struct {
	ev    *Event
	flush chan error
}

// dropLogEvery is how often a runner logs that it dropped events, at most.
const dropLogEvery = 10 * time.Second

// runner owns one sink: its bounded queue, its goroutine and its counters.
type runner struct {
	name   string
	sink   Sink
	mask   atomic.Uint32 // a Mask; SetMask changes it
	json   bool          // the sink is a JSONSink sharing events' JSON
	cfg    queueConfig
	queue  chan item
	stop   chan struct{} // closed by Shutdown: drain and return
	done   chan struct{} // closed when run returns
	cancel context.CancelFunc
	log    *slog.Logger
	obs    Observer

	bytes        atomic.Int64 // queueBytes of the queued events
	exported     atomic.Uint64
	dropped      atomic.Uint64
	failed       atomic.Uint64
	exportErrors atomic.Uint64
	lastExport   atomic.Int64 // ns

	loggedDrops uint64    // owned by run
	lastDropLog time.Time // owned by run
}

func newRunner(name string, s Sink, m Mask, cfg queueConfig, log *slog.Logger, obs Observer) *runner {
	r := &runner{
		name:  name,
		sink:  s,
		cfg:   cfg,
		queue: make(chan item, cfg.size),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		log:   log.With("sink", name),
		obs:   obs,
	}
	r.mask.Store(uint32(m))
	return r
}

// enqueue never blocks: a full queue, or one whose events would take
// more than the byte budget with e's size bytes, drops e and counts it.
// A queue that holds no budgeted event takes e whatever its size (small
// events may wait in it). An event under
// minBudgetedBytes is left out of the budget (size 0), its count bounded
// by the queue's: media reports, the bulk, cost what they did. The budget
// is read before the send and raised after it, so that Emits racing on
// one queue may each pass it, by one event each.
func (r *runner) enqueue(e *Event, size int64) {
	if size < minBudgetedBytes {
		size = 0
	} else if held := r.bytes.Load(); held > 0 && held+size > r.cfg.maxBytes {
		r.dropped.Add(1)
		return
	}
	select {
	case r.queue <- item{ev: e}:
		if size != 0 {
			r.bytes.Add(size)
		}
	default:
		r.dropped.Add(1)
	}
}

// unbudget takes a dequeued item out of the byte budget: its event's
// size again (an emitted event does not change), to keep the queue's
// slots two pointers.
func (r *runner) unbudget(it item) {
	if it.ev == nil {
		return
	}
	if size := int64(it.ev.queueBytes()); size >= minBudgetedBytes {
		r.bytes.Add(-size)
	}
}

// run is the sink's goroutine. ctx is cancelled when Shutdown's deadline
// passes, which aborts a stuck Export.
func (r *runner) run(ctx context.Context) {
	defer close(r.done)
	batch := make([]*Event, 0, r.cfg.batchSize)
	timer := time.NewTimer(r.cfg.batchTimeout)
	defer timer.Stop()
	for {
		select {
		case it := <-r.queue:
			r.unbudget(it)
			if it.flush != nil {
				var err error
				batch, err = r.export(ctx, batch)
				if err == nil {
					err = ctx.Err()
				}
				it.flush <- err
				continue
			}
			batch = append(batch, it.ev)
			if len(batch) >= r.cfg.batchSize {
				batch, _ = r.export(ctx, batch)
				timer.Reset(r.cfg.batchTimeout)
			}
		case <-timer.C:
			batch, _ = r.export(ctx, batch)
			r.logDrops(false)
			timer.Reset(r.cfg.batchTimeout)
		case <-r.stop:
			r.drain(ctx, batch)
			r.logDrops(true)
			return
		}
	}
}

// drainRounds bounds how often the drain of a sink that derives events
// (WithDerivedEvents) goes back to its queue after exporting what it found
// there. Such a sink may emit into its own queue from that Export (the
// verdict sink, mask "all", receives its verdicts): they are exported in
// the next round. Two rounds suffice for the verdict sink, whose verdicts
// derive none; the bound holds against a sink whose derived events derive
// more, whose remaining events sweep counts as dropped.
const drainRounds = 8

// drain exports what is queued at shutdown, in batches, until the queue is
// empty or ctx is done; what is left is counted as dropped. For a sink that
// derives events it returns only once it finds the queue empty after its
// last export (at most drainRounds exports of a partial batch).
func (r *runner) drain(ctx context.Context, batch []*Event) {
	for rounds := 0; ; {
		select {
		case it := <-r.queue:
			if !r.takenAtShutdown(it) {
				continue
			}
			if ctx.Err() != nil {
				r.dropped.Add(1)
				continue
			}
			batch = append(batch, it.ev)
			if len(batch) >= r.cfg.batchSize {
				batch, _ = r.export(ctx, batch)
			}
		default:
			if ctx.Err() != nil {
				r.dropped.Add(uint64(len(batch)))
				return
			}
			if len(batch) == 0 {
				return // the queue was empty after the last export
			}
			batch, _ = r.export(ctx, batch)
			if rounds++; !r.cfg.derives || rounds == drainRounds {
				return
			}
		}
	}
}

// sweep counts what is still queued as dropped, once run has returned:
// the events an Emit queued after the drain's last look at the queue,
// which no goroutine would ever take. A sink that derives events
// (WithDerivedEvents) drains while the bus still accepts events, so an
// Emit from elsewhere between its drain and the bus's shutdown flag queues
// for it (what it derives itself its drain exports, up to drainRounds). A
// ForceFlush marker is answered ErrShutdown. The count is logged.
func (r *runner) sweep() {
	swept := false
	for {
		select {
		case it := <-r.queue:
			if r.takenAtShutdown(it) {
				r.dropped.Add(1)
				swept = true
			}
		default:
			if swept {
				r.logDrops(true) // run, its owner, has returned
			}
			return
		}
	}
}

// takenAtShutdown releases a queue item taken once the bus is shutting
// down: its bytes leave the budget, a ForceFlush marker is answered
// ErrShutdown. It reports whether the item is an event.
func (r *runner) takenAtShutdown(it item) bool {
	r.unbudget(it)
	if it.flush != nil {
		it.flush <- ErrShutdown
		return false
	}
	return true
}

// export hands a non-empty batch to the sink and returns it emptied, with
// its pointers cleared so exported events can be collected, and the
// sink's error (already counted and logged).
func (r *runner) export(ctx context.Context, batch []*Event) ([]*Event, error) {
	if len(batch) == 0 {
		return batch, nil
	}
	ectx, cancel := context.WithTimeout(ctx, r.cfg.exportTimeout)
	start := time.Now()
	err := r.sink.Export(ectx, batch)
	d := time.Since(start)
	cancel()
	r.lastExport.Store(int64(d))
	if err != nil {
		r.exportErrors.Add(1)
		r.failed.Add(uint64(len(batch)))
		r.log.Warn("telemetry export failed", "events", len(batch), "error", err)
	} else {
		r.exported.Add(uint64(len(batch)))
	}
	if r.obs != nil {
		r.obs.ObserveExport(r.name, len(batch), d, err)
	}
	clear(batch)
	return batch[:0], err
}

// logDrops warns about new drops at most once per dropLogEvery, or now when
// force is set (at shutdown).
func (r *runner) logDrops(force bool) {
	n := r.dropped.Load()
	if n == r.loggedDrops || (!force && time.Since(r.lastDropLog) < dropLogEvery) {
		return
	}
	r.log.Warn("telemetry events dropped", "dropped", n-r.loggedDrops, "dropped_total", n)
	r.loggedDrops = n
	r.lastDropLog = time.Now()
}

func (r *runner) stats() SinkStats {
	return SinkStats{
		Name:               r.name,
		Mask:               Mask(r.mask.Load()),
		QueueLen:           len(r.queue),
		QueueCap:           cap(r.queue),
		QueueBytes:         max(0, r.bytes.Load()), // a dequeue may subtract before enqueue adds
		Exported:           r.exported.Load(),
		Dropped:            r.dropped.Load(),
		Failed:             r.failed.Load(),
		ExportErrors:       r.exportErrors.Load(),
		LastExportDuration: time.Duration(r.lastExport.Load()),
	}
}

// lateShutdown shuts the sink down once a cancelled Export has returned,
// for a Shutdown whose deadline passed first. It gives the sink one
// export timeout.
func (r *runner) lateShutdown() {
	<-r.done
	r.sweep()
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.exportTimeout)
	defer cancel()
	if err := r.sink.Shutdown(ctx); err != nil {
		r.log.Warn("telemetry sink shutdown failed", "error", err)
	}
}
