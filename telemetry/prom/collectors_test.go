package prom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/argusrtc/argus/telemetry"
)

func TestStateCollector(t *testing.T) {
	c := NewStateCollector(func() (int, int, int) { return 3, 5, 2 })
	want := `
# HELP argus_handles Handles attached now.
# TYPE argus_handles gauge
argus_handles 5
# HELP argus_peerconnections Live PeerConnections, closing ones included until their hangup ran: what -max-peerconnections counts.
# TYPE argus_peerconnections gauge
argus_peerconnections 2
# HELP argus_sessions Janus sessions alive now.
# TYPE argus_sessions gauge
argus_sessions 3
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}

func TestBusCollector(t *testing.T) {
	c := NewBusCollector(func() []SinkStat {
		return []SinkStat{
			{Name: "hep", QueueLength: 3, QueueCapacity: 1024, QueueBytes: 6000, Exported: 100, Dropped: 2, ExportErrors: 1, Failed: 4},
			{Name: "prom", QueueCapacity: 512, Exported: 7},
			{Name: "prom", QueueCapacity: 1}, // duplicates are skipped
		}
	})
	want := `
# HELP argus_events_dropped_total Events dropped for a sink: its queue full or over its byte budget, or left at shutdown.
# TYPE argus_events_dropped_total counter
argus_events_dropped_total{sink="hep"} 2
argus_events_dropped_total{sink="prom"} 0
# HELP argus_events_export_errors_total Failed Export calls of a sink.
# TYPE argus_events_export_errors_total counter
argus_events_export_errors_total{sink="hep"} 1
argus_events_export_errors_total{sink="prom"} 0
# HELP argus_events_failed_total Events in batches whose Export failed.
# TYPE argus_events_failed_total counter
argus_events_failed_total{sink="hep"} 4
argus_events_failed_total{sink="prom"} 0
# HELP argus_events_exported_total Events handed to a sink's Export.
# TYPE argus_events_exported_total counter
argus_events_exported_total{sink="hep"} 100
argus_events_exported_total{sink="prom"} 7
# HELP argus_events_queue_bytes Estimated bytes of the events waiting in a sink's queue, as its byte budget counts them.
# TYPE argus_events_queue_bytes gauge
argus_events_queue_bytes{sink="hep"} 6000
argus_events_queue_bytes{sink="prom"} 0
# HELP argus_events_queue_capacity Capacity of a sink's queue.
# TYPE argus_events_queue_capacity gauge
argus_events_queue_capacity{sink="hep"} 1024
argus_events_queue_capacity{sink="prom"} 512
# HELP argus_events_queue_length Events waiting in a sink's queue.
# TYPE argus_events_queue_length gauge
argus_events_queue_length{sink="hep"} 3
argus_events_queue_length{sink="prom"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}

func histogramOf(t *testing.T, o prometheus.Observer) *dto.Histogram {
	t.Helper()
	m, ok := o.(prometheus.Metric)
	if !ok {
		t.Fatalf("%T is not a Metric", o)
	}
	var pb dto.Metric
	if err := m.Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetHistogram()
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-9 && d > -1e-9
}

func TestFromBusStats(t *testing.T) {
	got := FromBusStats([]telemetry.SinkStats{{Name: "otel", QueueLen: 1, QueueCap: 2, QueueBytes: 7, Exported: 3, Dropped: 4,
		Failed: 5, ExportErrors: 6}})
	want := SinkStat{Name: "otel", QueueLength: 1, QueueCapacity: 2, QueueBytes: 7, Exported: 3, Dropped: 4, Failed: 5, ExportErrors: 6}
	if len(got) != 1 || got[0] != want {
		t.Errorf("FromBusStats = %+v, want %+v", got, want)
	}
}

func TestExportObserver(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	o, err := NewExportObserver(reg)
	if err != nil {
		t.Fatal(err)
	}
	o.ObserveExport("hep", 10, 3*time.Millisecond, nil)
	o.ObserveExport("hep", 10, 5*time.Millisecond, errors.New("x"))
	h := histogramOf(t, o.hist.WithLabelValues("hep"))
	if h.GetSampleCount() != 2 || !near(h.GetSampleSum(), 0.008) {
		t.Errorf("count %d sum %v, want 2 0.008", h.GetSampleCount(), h.GetSampleSum())
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

// TestTransportCollector: one dropped series per transport and one
// refused series per transport and reason, read at each scrape; a
// transport listed twice is exported once (a duplicate would fail the
// scrape); a transport without reasons has no refused series.
func TestTransportCollector(t *testing.T) {
	var n uint64
	c := NewTransportCollector(func() []TransportStat {
		return []TransportStat{
			{Transport: "janus.transport.http", Refused: map[string]uint64{"limit_per_ip": n, "limit": 0}},
			{Transport: "janus.transport.rabbitmq", Dropped: n},
			{Transport: "janus.transport.rabbitmq", Dropped: 99, Refused: map[string]uint64{"limit": 99}},
		}
	})
	for _, v := range []uint64{0, 3} {
		n = v
		want := fmt.Sprintf(`
# HELP argus_transport_dropped_total Outgoing Janus API messages (replies, events) a transport dropped: full queue, client gone, broker unreachable.
# TYPE argus_transport_dropped_total counter
argus_transport_dropped_total{transport="janus.transport.http"} 0
argus_transport_dropped_total{transport="janus.transport.rabbitmq"} %[1]d
# HELP argus_transport_connections_refused_total Connections a transport refused, by reason: a connection cap, shutdown, a bad WebSocket handshake or message.
# TYPE argus_transport_connections_refused_total counter
argus_transport_connections_refused_total{reason="limit",transport="janus.transport.http"} 0
argus_transport_connections_refused_total{reason="limit_per_ip",transport="janus.transport.http"} %[1]d
`, v)
		if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
			t.Error(err)
		}
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

// parkSink parks its first Export until release is closed or its context
// is done, after closing entered.
type parkSink struct {
	entered, release chan struct{}
	once             sync.Once
}

func (s *parkSink) Export(ctx context.Context, _ []*telemetry.Event) error {
	var err error
	s.once.Do(func() {
		close(s.entered)
		select {
		case <-s.release:
		case <-ctx.Done():
			err = ctx.Err()
		}
	})
	return err
}

func (*parkSink) Shutdown(context.Context) error { return nil }

// scrapeLine returns the sample line of /metrics that starts with series
// followed by a space, or "".
func scrapeLine(t *testing.T, h http.Handler, series string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		if strings.HasPrefix(line, series+" ") {
			return line
		}
	}
	return ""
}

// TestQueueBytesScraped: the exporter, wired to a real bus as cmd/argus
// wires it, serves argus_events_queue_bytes{sink}: the estimated bytes of
// the events queued for a sink stuck in Export (a JSEP event counts its
// SDP, its strings and a fixed 512 bytes), and 0 once the sink has caught
// up.
func TestQueueBytesScraped(t *testing.T) {
	bus := telemetry.NewBus()
	s, err := telemetry.NewSink(SinkName, telemetry.SinkConfig{ServerName: "test", BusStats: bus.Stats})
	if err != nil {
		t.Fatal(err)
	}
	e := s.(*Exporter)
	slow := &parkSink{entered: make(chan struct{}), release: make(chan struct{})}
	if err := bus.Attach("slow", slow, telemetry.MaskAll, telemetry.WithBatchSize(1)); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := bus.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(slow.release) }) }
	defer release() // runs before the Shutdown above: a failure leaves no Export parked
	const series = `argus_events_queue_bytes{sink="slow"}`
	if got := scrapeLine(t, e, series); got != series+" 0" {
		t.Fatalf("idle: %q", got)
	}
	bus.Emit(&telemetry.Event{Emitter: "test", Type: telemetry.TypeSession, Timestamp: 1, SessionID: 1})
	select { // the sink is stuck in Export with that event
	case <-slow.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the sink's Export was not called")
	}
	sdp := strings.Repeat("a=x\r\n", 800)
	const offers = 3
	for i := range offers {
		bus.Emit(&telemetry.Event{Emitter: "test", Type: telemetry.TypeJSEP, Timestamp: 1, SessionID: uint64(i + 2),
			Body: telemetry.JSEPBody{Owner: "remote", JSEP: telemetry.JSEP{Type: "offer", SDP: sdp}}})
	}
	// 512 is telemetry's queuedEventBytes (unexported), the fixed part of
	// every queued event's estimate.
	each := 512 + len("test") + len("remote") + len("offer") + len(sdp)
	if got, want := scrapeLine(t, e, series), series+" "+strconv.Itoa(offers*each); got != want {
		t.Fatalf("%d offers queued: %q, want %q", offers, got, want)
	}
	release()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := bus.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scrapeLine(t, e, series); got != series+" 0" {
		t.Fatalf("drained: %q", got)
	}
}
