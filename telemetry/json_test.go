package telemetry_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// jsonSink records the JSON of every exported event (Event.JSON); shares
// says whether it tells the bus so (telemetry.JSONSink).
type jsonSink struct {
	shares bool
	mu     sync.Mutex
	got    [][]byte
	copies []telemetry.Event // copies by value, as core makes them
}

func (s *jsonSink) Export(_ context.Context, batch []*telemetry.Event) error {
	for _, e := range batch {
		b, err := e.JSON()
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.got = append(s.got, b)
		s.copies = append(s.copies, *e)
		s.mu.Unlock()
	}
	return nil
}

func (s *jsonSink) Shutdown(context.Context) error { return nil }
func (s *jsonSink) SharesJSON() bool               { return s.shares }

func (s *jsonSink) snapshot() ([][]byte, []telemetry.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.got...), append([]telemetry.Event(nil), s.copies...)
}

func testEvents() []*telemetry.Event {
	return []*telemetry.Event{
		{Emitter: "a", Type: telemetry.TypeCore, Subtype: telemetry.SubtypeCoreStartup},
		{Emitter: "<a&b>", Type: telemetry.TypeSession, Timestamp: 5, SessionID: 1, OpaqueID: "é\u2028",
			Body: telemetry.SessionBody{Name: "created"}},
		{Emitter: "a", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport, Timestamp: 1, SessionID: 2, HandleID: 3,
			Body: telemetry.MediaReportBody{Mid: "0", Media: "audio", PacketsSent: 7, RTPStats: &telemetry.RTPStats{Codec: "opus"}}},
	}
}

// TestBusSharesJSON: sinks that share JSON get json.Marshal(e)'s bytes,
// encoded once (the same slice for every sink, as soon as one sink shares
// it); on a bus with no sharing sink each encodes its own; a copy of an
// event with another body encodes its own body.
func TestBusSharesJSON(t *testing.T) {
	for _, tc := range []struct {
		name       string
		shares     []bool
		wantShared bool
	}{
		{"two sharing sinks", []bool{true, true}, true},
		{"one sharing sink", []bool{false, true}, true}, // every sink then reads the one encoding
		{"no sharing sink", []bool{false, false}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bus := telemetry.NewBus()
			sinks := make([]*jsonSink, len(tc.shares))
			for i, sh := range tc.shares {
				sinks[i] = &jsonSink{shares: sh}
				if err := bus.Attach(string(rune('a'+i)), sinks[i], telemetry.MaskAll, telemetry.WithBatchTimeout(time.Millisecond)); err != nil {
					t.Fatal(err)
				}
			}
			evs := testEvents()
			for _, e := range evs {
				bus.Emit(e)
			}
			if err := bus.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			got0, copies := sinks[0].snapshot()
			got1, _ := sinks[1].snapshot()
			if len(got0) != len(evs) || len(got1) != len(evs) {
				t.Fatalf("got %d and %d events, want %d", len(got0), len(got1), len(evs))
			}
			for i, e := range evs {
				want, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				if string(got0[i]) != string(want) || string(got1[i]) != string(want) {
					t.Errorf("event %d: %s and %s, want %s", i, got0[i], got1[i], want)
				}
				if shared := &got0[i][0] == &got1[i][0]; shared != tc.wantShared {
					t.Errorf("event %d: one encoding for both sinks = %v, want %v", i, shared, tc.wantShared)
				}
				c := copies[i]
				c.Body = telemetry.HandleBody{Name: "detached"}
				b, err := c.JSON()
				if err != nil {
					t.Fatal(err)
				}
				if want, _ := json.Marshal(&c); string(b) != string(want) {
					t.Errorf("copy %d: %s, want %s", i, b, want)
				}
			}
		})
	}
}

// TestEventJSONOffBus: an event never emitted on a bus is MarshalJSON's
// bytes, a fresh slice each call.
func TestEventJSONOffBus(t *testing.T) {
	for _, e := range testEvents() {
		a, err := e.JSON()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := e.JSON()
		want, _ := e.MarshalJSON()
		if string(a) != string(want) || string(b) != string(want) {
			t.Fatalf("JSON = %s, want %s", a, want)
		}
		if &a[0] == &b[0] {
			t.Fatal("an event off the bus shares its encoding")
		}
	}
}

// TestBusWants: Wants follows the sinks' masks.
func TestBusWants(t *testing.T) {
	bus := telemetry.NewBus()
	t.Cleanup(func() { _ = bus.Shutdown(context.Background()) })
	if bus.Wants(telemetry.TypeMedia) {
		t.Fatal("a bus without sinks wants media")
	}
	if err := bus.Attach("s", &jsonSink{}, telemetry.Mask(telemetry.TypeSession)); err != nil {
		t.Fatal(err)
	}
	if bus.Wants(telemetry.TypeMedia) || !bus.Wants(telemetry.TypeSession) {
		t.Fatal("Wants does not follow the mask")
	}
	if err := bus.SetMask("s", telemetry.Mask(telemetry.TypeMedia)); err != nil {
		t.Fatal(err)
	}
	if !bus.Wants(telemetry.TypeMedia) {
		t.Fatal("Wants does not follow SetMask")
	}
}

// TestBusExportsOnBatchOrTimer: queued events reach the sink when a batch
// is complete, or else when the batch timer fires, or at ForceFlush.
func TestBusExportsOnBatchOrTimer(t *testing.T) {
	bus := telemetry.NewBus()
	t.Cleanup(func() { _ = bus.Shutdown(context.Background()) })
	s := &recSink{}
	if err := bus.Attach("s", s, telemetry.MaskAll, telemetry.WithBatchSize(4), telemetry.WithBatchTimeout(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		bus.Emit(&telemetry.Event{Type: telemetry.TypeCore})
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(s.snapshot()); n != 0 {
		t.Fatalf("%d events exported before the batch was complete", n)
	}
	bus.Emit(&telemetry.Event{Type: telemetry.TypeCore})
	deadline := time.Now().Add(5 * time.Second)
	for len(s.snapshot()) != 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := len(s.snapshot()); n != 4 {
		t.Fatalf("%d events exported after a complete batch, want 4", n)
	}
	bus.Emit(&telemetry.Event{Type: telemetry.TypeCore})
	if err := bus.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(s.snapshot()); n != 5 {
		t.Fatalf("%d events exported after ForceFlush, want 5", n)
	}

	timed := telemetry.NewBus()
	t.Cleanup(func() { _ = timed.Shutdown(context.Background()) })
	s2 := &recSink{}
	if err := timed.Attach("s", s2, telemetry.MaskAll, telemetry.WithBatchTimeout(20*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	timed.Emit(&telemetry.Event{Type: telemetry.TypeCore})
	deadline = time.Now().Add(5 * time.Second)
	for len(s2.snapshot()) != 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := len(s2.snapshot()); n != 1 {
		t.Fatalf("%d events exported after the batch timeout, want 1", n)
	}
}
