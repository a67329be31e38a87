package history_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/history"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var clock int64 = 1700000000000000

func mk(typ telemetry.Type, sid, hid uint64, opaque string, body any) *telemetry.Event {
	clock++
	return &telemetry.Event{Emitter: "test", Type: typ, Timestamp: clock, SessionID: sid, HandleID: hid, OpaqueID: opaque, Body: body}
}

func export(t *testing.T, s *history.Store, evs ...*telemetry.Event) {
	t.Helper()
	if err := s.Export(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// attachedBody is a body of a type the store does not know (as the core's
// ordered objects are): it must be read through its JSON form.
type attachedBody struct {
	Name     string `json:"name"`
	Plugin   string `json:"plugin"`
	OpaqueID string `json:"opaque_id,omitempty"`
}

func TestSessionTimeline(t *testing.T) {
	s := history.New(history.Config{})
	export(t, s,
		mk(telemetry.TypeCore, 0, 0, "", map[string]any{"status": "started"}),
		mk(telemetry.TypeSession, 10, 0, "", map[string]any{"name": "created"}),
		mk(telemetry.TypeHandle, 10, 100, "op-1", attachedBody{"attached", "janus.plugin.echotest", "op-1"}),
		mk(telemetry.TypeWebRTC, 0, 100, "op-1", map[string]any{"ice": "connected"}), // no session: via handle
		mk(telemetry.TypePlugin, 10, 100, "op-1", telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: map[string]any{"x": 1}}),
		mk(telemetry.TypeHandle, 10, 101, "", map[string]any{"name": "attached", "plugin": "janus.plugin.videoroom"}),
		mk(telemetry.TypeSession, 20, 0, "", map[string]any{"name": "created"}),
		mk(telemetry.TypeSession, 10, 0, "", map[string]any{"name": "destroyed"}),
		mk(telemetry.TypeTransport, 0, 0, "", telemetry.TransportBody{Transport: "janus.transport.http", ID: "1"}),
	)
	sum, ok := s.Session(10)
	if !ok {
		t.Fatal("session 10 missing")
	}
	if !sum.Ended || sum.EndReason != "destroyed" || sum.Events != 6 || sum.Kept != 6 {
		t.Fatalf("summary %+v", sum)
	}
	if len(sum.Handles) != 2 || sum.Handles[0] != 100 || sum.Handles[1] != 101 {
		t.Fatalf("handles %v", sum.Handles)
	}
	if len(sum.Plugins) != 2 || sum.Plugins[0] != "janus.plugin.echotest" || sum.Plugins[1] != "janus.plugin.videoroom" {
		t.Fatalf("plugins %v", sum.Plugins)
	}
	if len(sum.OpaqueIDs) != 1 || sum.OpaqueIDs[0] != "op-1" {
		t.Fatalf("opaque ids %v", sum.OpaqueIDs)
	}
	tl := s.Timeline(10)
	if len(tl) != 6 || tl[0].Type != telemetry.TypeSession || tl[2].Type != telemetry.TypeWebRTC || tl[5].Type != telemetry.TypeSession {
		t.Fatalf("timeline %v", tl)
	}
	if sum.First != tl[0].Timestamp || sum.Last != tl[5].Timestamp {
		t.Fatalf("first/last %d/%d", sum.First, sum.Last)
	}
	if g := s.Global(); len(g) != 2 || g[0].Type != telemetry.TypeCore || g[1].Type != telemetry.TypeTransport {
		t.Fatalf("global %v", g)
	}
	list := s.Sessions()
	if len(list) != 2 || list[0].SessionID != 10 || list[1].SessionID != 20 || list[1].Ended {
		t.Fatalf("sessions %+v", list)
	}
	if s.Timeline(999) != nil {
		t.Fatal("unknown session has a timeline")
	}
}

func TestTimeoutEndsSession(t *testing.T) {
	s := history.New(history.Config{})
	export(t, s, mk(telemetry.TypeSession, 5, 0, "", map[string]any{"name": "created"}),
		mk(telemetry.TypeSession, 5, 0, "", map[string]any{"name": "timeout"}))
	if sum, _ := s.Session(5); !sum.Ended || sum.EndReason != "timeout" {
		t.Fatalf("summary %+v", sum)
	}
}

func TestEventsPerSessionBounded(t *testing.T) {
	s := history.New(history.Config{MaxEventsPerSession: 10})
	for i := range 25 {
		export(t, s, mk(telemetry.TypeMedia, 1, 2, "", map[string]any{"i": i}))
	}
	tl := s.Timeline(1)
	if len(tl) != 10 {
		t.Fatalf("kept %d, want 10", len(tl))
	}
	for i, e := range tl {
		if got := e.Body.(map[string]any)["i"]; got != 15+i {
			t.Fatalf("event %d is %v, want the last 10 in order", i, got)
		}
	}
	if sum, _ := s.Session(1); sum.Events != 25 || sum.Kept != 10 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestGlobalBounded(t *testing.T) {
	s := history.New(history.Config{MaxGlobalEvents: 3})
	for range 7 {
		export(t, s, mk(telemetry.TypeCore, 0, 0, "", nil))
	}
	if n := len(s.Global()); n != 3 {
		t.Fatalf("global kept %d", n)
	}
}

func TestEvictionEndedFirstThenLRU(t *testing.T) {
	s := history.New(history.Config{MaxSessions: 3})
	created := map[string]any{"name": "created"}
	export(t, s,
		mk(telemetry.TypeSession, 1, 0, "", created),
		mk(telemetry.TypeSession, 2, 0, "", created),
		mk(telemetry.TypeSession, 3, 0, "", created),
		mk(telemetry.TypeSession, 2, 0, "", map[string]any{"name": "destroyed"}),
		mk(telemetry.TypeSession, 4, 0, "", created), // evicts 2 (ended) although 1 is older
	)
	if _, ok := s.Session(2); ok {
		t.Fatal("ended session 2 not evicted first")
	}
	for _, id := range []uint64{1, 3, 4} {
		if _, ok := s.Session(id); !ok {
			t.Fatalf("live session %d evicted", id)
		}
	}
	export(t, s,
		mk(telemetry.TypeHandle, 1, 11, "", nil), // 1 is now more recent than 3
		mk(telemetry.TypeSession, 5, 0, "", created),
	)
	if _, ok := s.Session(3); ok {
		t.Fatal("least recently active live session 3 not evicted")
	}
	if _, ok := s.Session(1); !ok {
		t.Fatal("recently active session 1 evicted")
	}
	if s.Evicted() != 2 || len(s.Sessions()) != 3 {
		t.Fatalf("evicted %d, sessions %d", s.Evicted(), len(s.Sessions()))
	}
}

func TestSubscribe(t *testing.T) {
	s := history.New(history.Config{SubscriberBuffer: 4})
	ctx, cancel := context.WithCancel(context.Background())
	ch := s.Subscribe(ctx)
	slow := s.Subscribe(context.Background()) // never read
	if s.Subscribers() != 2 {
		t.Fatalf("subscribers %d", s.Subscribers())
	}
	export(t, s, mk(telemetry.TypeSession, 1, 0, "", nil), mk(telemetry.TypeSession, 2, 0, "", nil))
	for _, want := range []uint64{1, 2} {
		select {
		case e := <-ch:
			if e.SessionID != want {
				t.Fatalf("got session %d, want %d", e.SessionID, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
	}
	// The slow subscriber's buffer (4) fills; Export must not block.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			_ = s.Export(context.Background(), []*telemetry.Event{mk(telemetry.TypeMedia, 3, 0, "", i)})
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Export blocked on a slow subscriber")
	}
	if len(slow) != 4 {
		t.Fatalf("slow subscriber holds %d, want its buffer of 4", len(slow))
	}
	cancel()
	deadline := time.After(5 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-ch:
		case <-deadline:
			t.Fatal("channel not closed after ctx cancel")
		}
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range slow { // closed by Shutdown: the range ends
	}
	if late := s.Subscribe(context.Background()); late != nil {
		if _, open := <-late; open {
			t.Fatal("Subscribe after Shutdown returned an open channel")
		}
	}
	export(t, s, mk(telemetry.TypeSession, 77, 0, "", nil))
	if _, ok := s.Session(77); ok {
		t.Fatal("Export after Shutdown filed an event")
	}
}

func TestWithBusConcurrentSafe(t *testing.T) {
	s := history.New(history.Config{MaxSessions: 50})
	bus := telemetry.NewBus()
	if err := bus.Attach("history", s, telemetry.MaskAll, telemetry.WithQueueSize(100000), telemetry.WithBatchTimeout(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tail := s.Subscribe(ctx)
	stop := make(chan struct{})
	readers := make(chan struct{})
	go func() {
		defer close(readers)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, sum := range s.Sessions() {
				_ = s.Timeline(sum.SessionID)
			}
		}
	}()
	for g := range 4 {
		for i := range 500 {
			sid := uint64(g*1000 + i%80 + 1)
			bus.Emit(mk(telemetry.TypeMedia, sid, sid*10, "", nil))
		}
	}
	fctx, fcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer fcancel()
	if err := bus.ForceFlush(fctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-readers
	cancel()
	for range tail {
	}
	if err := bus.Shutdown(fctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Sessions()); n != 50 {
		t.Fatalf("%d sessions kept, want the bound 50", n)
	}
}

func TestVideoRoomEventsWithoutHandleFollowTheirParticipant(t *testing.T) {
	s := history.New(history.Config{})
	vr := func(sid, hid uint64, data map[string]any) *telemetry.Event {
		return mk(telemetry.TypePlugin, sid, hid, "", telemetry.PluginBody{Plugin: "janus.plugin.videoroom", Data: data})
	}
	export(t, s,
		vr(30, 300, map[string]any{"event": "joined", "room": 1234, "id": 555, "private_id": 9}),
		vr(0, 0, map[string]any{"event": "unpublished", "room": 1234, "id": 555}),
		vr(0, 0, map[string]any{"event": "leaving", "room": 1234, "id": 556}), // nobody joined as 556
		vr(0, 0, map[string]any{"event": "created", "room": 1234}),
	)
	tl := s.Timeline(30)
	if len(tl) != 2 || tl[1].Body.(telemetry.PluginBody).Data.(map[string]any)["event"] != "unpublished" {
		t.Fatalf("timeline %v", tl)
	}
	if g := s.Global(); len(g) != 2 {
		t.Fatalf("global %d, want leaving(556) and created", len(g))
	}
	if sum, _ := s.Session(30); len(sum.Plugins) != 1 || sum.Plugins[0] != "janus.plugin.videoroom" {
		t.Fatalf("plugins %v", sum.Plugins)
	}
}

// TestSummaryListsBounded: a session that attaches many handles, each with
// its own opaque_id, lists the first 64 of each and counts the rest; only
// its last 256 handles file session-less events under it.
func TestSummaryListsBounded(t *testing.T) {
	s := history.New(history.Config{})
	export(t, s, mk(telemetry.TypeSession, 10, 0, "", map[string]any{"name": "created"}))
	const handles = 300
	for h := uint64(1); h <= handles; h++ {
		op := fmt.Sprintf("op-%d", h)
		export(t, s,
			mk(telemetry.TypeHandle, 10, h, op, attachedBody{"attached", "janus.plugin.echotest", op}),
			mk(telemetry.TypeHandle, 10, h, op, attachedBody{"detached", "janus.plugin.echotest", op}))
	}
	sum, _ := s.Session(10)
	if len(sum.Handles) != 64 || sum.Handles[63] != 64 || sum.HandlesDropped != handles-64 {
		t.Fatalf("handles: %d listed (last %v), %d dropped", len(sum.Handles), sum.Handles[len(sum.Handles)-1], sum.HandlesDropped)
	}
	if len(sum.OpaqueIDs) != 64 || sum.OpaqueIDsDropped != handles-64 {
		t.Fatalf("opaque ids: %d listed, %d dropped", len(sum.OpaqueIDs), sum.OpaqueIDsDropped)
	}
	// Session-less events: the first handle's no longer file here, the
	// last one's do.
	export(t, s,
		mk(telemetry.TypeWebRTC, 0, 1, "op-1", map[string]any{"ice": "connected"}),
		mk(telemetry.TypeWebRTC, 0, handles, "", map[string]any{"ice": "connected"}))
	if g := s.Global(); len(g) != 1 || g[0].HandleID != 1 {
		t.Fatalf("global ring: %v", g)
	}
	if sum, _ = s.Session(10); sum.Events != 1+2*handles+1 {
		t.Fatalf("session events %d, want %d", sum.Events, 1+2*handles+1)
	}
}

// TestSessionBytesBounded: a session's events are kept within
// MaxBytesPerSession (by their JSON), the oldest dropped first and
// counted, the newest always kept; the count bound still holds.
func TestSessionBytesBounded(t *testing.T) {
	s := history.New(history.Config{MaxBytesPerSession: 128 << 10, MaxEventsPerSession: 100})
	sdp := strings.Repeat("a=x ", 5<<10) // 20 KiB of JSON
	jsep := func(i int) *telemetry.Event {
		return mk(telemetry.TypeJSEP, 10, 1, "", telemetry.JSEPBody{Owner: "remote", JSEP: telemetry.JSEP{Type: "offer", SDP: fmt.Sprint(i) + sdp}})
	}
	for i := range 10 {
		export(t, s, jsep(i))
	}
	sum, _ := s.Session(10)
	if sum.Events != 10 || sum.Kept != 6 || sum.Trimmed != 4 || sum.KeptBytes > 128<<10 || sum.KeptBytes < 120<<10 {
		t.Fatalf("after 10 offers of 20 KiB: events %d, kept %d (%d bytes), trimmed %d", sum.Events, sum.Kept, sum.KeptBytes, sum.Trimmed)
	}
	tl := s.Timeline(10)
	if len(tl) != 6 || !strings.HasPrefix(tl[0].Body.(telemetry.JSEPBody).JSEP.SDP, "4a=") {
		t.Fatalf("timeline kept %d events, the first %.5q", len(tl), tl[0].Body.(telemetry.JSEPBody).JSEP.SDP)
	}
	// Small events refill the ring up to its count bound.
	for range 200 {
		export(t, s, mk(telemetry.TypeMedia, 10, 1, "", nil))
	}
	sum, _ = s.Session(10)
	if sum.Kept != 100 || sum.KeptBytes > 128<<10 {
		t.Fatalf("after 200 media events: kept %d (%d bytes), trimmed %d", sum.Kept, sum.KeptBytes, sum.Trimmed)
	}
	if tl = s.Timeline(10); len(tl) != 100 || tl[0].Type != telemetry.TypeMedia || tl[99].Type != telemetry.TypeMedia {
		t.Fatalf("timeline after media: %d events", len(tl))
	}
	// One event over the budget is kept, alone.
	export(t, s, mk(telemetry.TypeJSEP, 10, 1, "", telemetry.JSEPBody{Owner: "local", JSEP: telemetry.JSEP{Type: "answer", SDP: strings.Repeat(sdp, 7)}}))
	if tl = s.Timeline(10); len(tl) != 1 || tl[0].Type != telemetry.TypeJSEP {
		t.Fatalf("timeline after a large answer: %d events", len(tl))
	}
}

// TestStoreBytesBounded: all sessions' events together stay within
// MaxBytes by evicting whole sessions, ended ones first, then the least
// recently active live ones, counted; the session just filed to stays.
func TestStoreBytesBounded(t *testing.T) {
	s := history.New(history.Config{MaxBytes: 120 << 10, MaxBytesPerSession: 64 << 10})
	sdp := strings.Repeat("a=x ", 5<<10) // 20 KiB of JSON
	offer := func(sid uint64) *telemetry.Event {
		return mk(telemetry.TypeJSEP, sid, sid*10, "", telemetry.JSEPBody{Owner: "remote", JSEP: telemetry.JSEP{Type: "offer", SDP: sdp}})
	}
	export(t, s, offer(1), offer(2), offer(3), offer(4))
	// Session 2 ends; session 1 is then more recently active than 3 and 4.
	export(t, s, mk(telemetry.TypeSession, 2, 0, "", map[string]any{"name": "destroyed"}), offer(1))
	if got := s.Evicted(); got != 0 {
		t.Fatalf("evicted %d sessions within the budget", got)
	}
	// 20 KiB more: the ended session 2 goes first.
	export(t, s, offer(5))
	if _, ok := s.Session(2); ok || s.Evicted() != 1 {
		t.Fatalf("after going over: session 2 kept, %d evicted", s.Evicted())
	}
	// Then the least recently active live ones (3, then 4), not 1.
	export(t, s, offer(5), offer(5))
	for sid, want := range map[uint64]bool{1: true, 3: false, 4: false, 5: true} {
		if _, ok := s.Session(sid); ok != want {
			t.Fatalf("session %d kept %v, want %v (evicted %d)", sid, ok, want, s.Evicted())
		}
	}
	total := 0
	for _, sum := range s.Sessions() {
		total += sum.KeptBytes
	}
	if total > 120<<10 || s.Evicted() != 3 {
		t.Fatalf("kept %d bytes, evicted %d", total, s.Evicted())
	}
	// A session over the whole budget alone is kept, the others evicted.
	big := mk(telemetry.TypeJSEP, 6, 60, "", telemetry.JSEPBody{Owner: "local", JSEP: telemetry.JSEP{Type: "answer", SDP: strings.Repeat(sdp, 6)}})
	export(t, s, big)
	if list := s.Sessions(); len(list) != 1 || list[0].SessionID != 6 {
		t.Fatalf("sessions after one over the budget: %+v", list)
	}
}
