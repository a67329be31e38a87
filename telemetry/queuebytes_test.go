package telemetry_test

import (
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// TestBusQueueBytesBudget: a sink's queue holds at most its byte budget
// of events (a JSEP event counted by its SDP), the rest dropped and
// counted as on a full queue, while small events still fit in what is
// left; the budget frees as the sink catches up.
func TestBusQueueBytesBudget(t *testing.T) {
	sdp := strings.Repeat("a=x\r\n", 512<<10/5) // ~512 KiB, the SDP size limit
	offer := func(sid uint64) *telemetry.Event {
		return &telemetry.Event{Emitter: "test", Type: telemetry.TypeJSEP, Timestamp: telemetry.Now(), SessionID: sid,
			Body: telemetry.JSEPBody{Owner: "remote", JSEP: telemetry.JSEP{Type: "offer", SDP: sdp}}}
	}
	for _, c := range []struct {
		name   string
		opts   []telemetry.QueueOption
		budget int64
		queued int
	}{
		{"default", nil, telemetry.DefaultQueueBytes, telemetry.DefaultQueueBytes / (len(sdp) + 1024)},
		{"1MiB", []telemetry.QueueOption{telemetry.WithQueueBytes(1 << 20)}, 1 << 20, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := telemetry.NewBus()
			stuck := newBlockSink()
			opts := append([]telemetry.QueueOption{telemetry.WithBatchSize(1)}, c.opts...)
			if err := b.Attach("stuck", stuck, telemetry.MaskAll, opts...); err != nil {
				t.Fatal(err)
			}
			b.Emit(ev(telemetry.TypeSession, 1))
			<-stuck.entered // the sink is stuck in Export from now on
			const offers = 500
			for i := range offers {
				b.Emit(offer(uint64(i + 2)))
			}
			st := b.Stats()[0]
			if st.QueueLen != c.queued || st.Dropped != uint64(offers-c.queued) {
				t.Fatalf("%d offers of %d bytes: %d queued, %d dropped; want %d queued", offers, len(sdp), st.QueueLen, st.Dropped, c.queued)
			}
			if st.QueueBytes > c.budget || st.QueueBytes < int64(c.queued*len(sdp)) {
				t.Fatalf("queue holds %d bytes, budget %d", st.QueueBytes, c.budget)
			}
			// Small events fit in what the budget has left.
			b.Emit(ev(telemetry.TypeSession, 1))
			if st = b.Stats()[0]; st.QueueLen != c.queued+1 || st.Dropped != uint64(offers-c.queued) {
				t.Fatalf("a small event after the offers: %d queued, %d dropped", st.QueueLen, st.Dropped)
			}
			close(stuck.release)
			shutdown(t, b)
			if st = b.Stats()[0]; st.QueueBytes != 0 || st.QueueLen != 0 || st.Exported != uint64(c.queued+2) {
				t.Fatalf("after the drain: %+v", st)
			}
		})
	}
}

// TestBusQueueBytesOneLargeEvent: an empty queue takes an event larger
// than its whole budget, so a sink that keeps up loses nothing.
func TestBusQueueBytesOneLargeEvent(t *testing.T) {
	b := telemetry.NewBus()
	rec := &recSink{}
	if err := b.Attach("rec", rec, telemetry.MaskAll, telemetry.WithQueueBytes(1024)); err != nil {
		t.Fatal(err)
	}
	b.Emit(&telemetry.Event{Emitter: "test", Type: telemetry.TypeJSEP, SessionID: 1,
		Body: telemetry.JSEPBody{Owner: "local", JSEP: telemetry.JSEP{Type: "answer", SDP: strings.Repeat("v=0\r\n", 1000)}}})
	shutdown(t, b)
	if got := len(rec.snapshot()); got != 1 || b.Stats()[0].Dropped != 0 {
		t.Fatalf("exported %d, dropped %d", got, b.Stats()[0].Dropped)
	}
}
