package prom

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// parkSink parks its first Export until release is closed, after closing
// entered.
type parkSink struct {
	entered, release chan struct{}
	once             sync.Once
}

func (s *parkSink) Export(context.Context, []*telemetry.Event) error {
	s.once.Do(func() {
		close(s.entered)
		<-s.release
	})
	return nil
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
// SDP, its strings and 512 bytes), and 0 once the sink has caught up.
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
	const series = `argus_events_queue_bytes{sink="slow"}`
	if got := scrapeLine(t, e, series); got != series+" 0" {
		t.Fatalf("idle: %q", got)
	}
	bus.Emit(&telemetry.Event{Emitter: "test", Type: telemetry.TypeSession, Timestamp: 1, SessionID: 1})
	<-slow.entered // the sink is stuck in Export with that event
	sdp := strings.Repeat("a=x\r\n", 800)
	const offers = 3
	for i := range offers {
		bus.Emit(&telemetry.Event{Emitter: "test", Type: telemetry.TypeJSEP, Timestamp: 1, SessionID: uint64(i + 2),
			Body: telemetry.JSEPBody{Owner: "remote", JSEP: telemetry.JSEP{Type: "offer", SDP: sdp}}})
	}
	each := 512 + len("test") + len("remote") + len("offer") + len(sdp)
	if got, want := scrapeLine(t, e, series), series+" "+strconv.Itoa(offers*each); got != want {
		t.Fatalf("%d offers queued: %q, want %q", offers, got, want)
	}
	close(slow.release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := bus.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scrapeLine(t, e, series); got != series+" 0" {
		t.Fatalf("drained: %q", got)
	}
}
