package history_test

import (
	"context"
	"encoding/json"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/history"
	"github.com/argusrtc/argus/telemetry/otel"
)

// createdBody has the shape of the core's "created" body (an ordered
// object, read through its JSON form).
type createdBody struct {
	Name      string `json:"name"`
	Transport struct {
		Transport string `json:"transport"`
		ID        string `json:"id"`
	} `json:"transport"`
}

func created(transport, id string) createdBody {
	b := createdBody{Name: "created"}
	b.Transport.Transport, b.Transport.ID = transport, id
	return b
}

func request(transport, id, ip string, port int) *telemetry.Event {
	return mk(telemetry.TypeTransport, 0, 0, "", telemetry.TransportBody{Transport: transport, ID: id,
		Data: struct {
			Event string `json:"event"`
			IP    string `json:"ip"`
			Port  int    `json:"port"`
		}{"request", ip, port}})
}

func vrEvent(sid, hid uint64, data map[string]any) *telemetry.Event {
	return mk(telemetry.TypePlugin, sid, hid, "", telemetry.PluginBody{Plugin: "janus.plugin.videoroom", Data: data})
}

func pc(sid, hid uint64, conn string) *telemetry.Event {
	e := mk(telemetry.TypeWebRTC, sid, hid, "", map[string]any{"connection": conn})
	e.Subtype = telemetry.SubtypeWebRTCPeerConnection
	return e
}

func TestDerivedColumns(t *testing.T) {
	s := history.New(history.Config{TraceID: otel.TraceIDFunc("argus-test")})
	const http = "janus.transport.http"
	export(t, s,
		request(http, "7", "192.0.2.10", 40000),
		request(http, "8", "2001:db8::1", 40001),
		request("janus.transport.websocket", "9", "198.51.100.7", 0),
		mk(telemetry.TypeSession, 1, 0, "", created(http, "7")),
		mk(telemetry.TypeSession, 2, 0, "", created(http, "8")),
		mk(telemetry.TypeSession, 3, 0, "", created("janus.transport.websocket", "9")),
		mk(telemetry.TypeSession, 4, 0, "", created(http, "unknown")),
		mk(telemetry.TypeHandle, 1, 11, "", map[string]any{"name": "attached", "plugin": "janus.plugin.videoroom"}),
		vrEvent(1, 11, map[string]any{"event": "joined", "room": 1234, "id": 555, "display": "Alice", "private_id": 1}),
		pc(1, 11, "webrtcup"),
		pc(2, 21, "webrtcup"),
		pc(2, 21, "hangup"),
		mk(telemetry.TypeSession, 3, 0, "", map[string]any{"name": "timeout"}),
	)
	want := map[uint64]struct{ addr, state, display, rooms string }{
		1: {"192.0.2.10:40000", "connected", "Alice", "1234"},
		2: {"[2001:db8::1]:40001", "hangup", "", ""},
		3: {"198.51.100.7", "timeout", "", ""},
		4: {"", "live", "", ""},
	}
	for id, w := range want {
		sum, ok := s.Session(id)
		if !ok {
			t.Fatalf("session %d missing", id)
		}
		if sum.Address != w.addr || sum.State != w.state || sum.Display != w.display || strings.Join(sum.Rooms, ",") != w.rooms {
			t.Errorf("session %d: address %q state %q display %q rooms %v, want %+v", id, sum.Address, sum.State, sum.Display, sum.Rooms, w)
		}
		if sum.TraceID != otel.TraceID("argus-test", id).String() {
			t.Errorf("session %d: trace id %q", id, sum.TraceID)
		}
		if sum.HomerCID != map[uint64]string{1: "1", 2: "2", 3: "3", 4: "4"}[id] {
			t.Errorf("session %d: homer cid %q", id, sum.HomerCID)
		}
	}
}

func TestHomerCorrelationOpaque(t *testing.T) {
	s := history.New(history.Config{HomerCorrelation: history.CorrelationOpaque})
	export(t, s,
		mk(telemetry.TypeSession, 5, 0, "", map[string]any{"name": "created"}),
		mk(telemetry.TypeSession, 6, 0, "", map[string]any{"name": "created"}),
		mk(telemetry.TypeHandle, 6, 61, "echotest-abc", map[string]any{"name": "attached", "plugin": "janus.plugin.echotest"}),
	)
	if sum, _ := s.Session(5); sum.HomerCID != "5" || sum.TraceID != "" {
		t.Errorf("no opaque id: cid %q trace %q", sum.HomerCID, sum.TraceID)
	}
	if sum, _ := s.Session(6); sum.HomerCID != "echotest-abc" {
		t.Errorf("opaque id: cid %q", sum.HomerCID)
	}
}

func TestRooms(t *testing.T) {
	s := history.New(history.Config{})
	streams := []any{map[string]any{"type": "audio", "mid": "0", "codec": "opus"}, map[string]any{"type": "video", "mid": "1", "codec": "vp8"}}
	export(t, s,
		vrEvent(1, 11, map[string]any{"event": "joined", "room": 1234, "id": 555, "display": "Alice"}),
		vrEvent(1, 11, map[string]any{"event": "published", "room": 1234, "id": 555, "streams": streams}),
		vrEvent(2, 21, map[string]any{"event": "joined", "room": 1234, "id": 556, "display": "Bob"}),
		vrEvent(2, 22, map[string]any{"event": "subscribing", "room": 1234, "streams": streams[1:]}),
		vrEvent(3, 31, map[string]any{"event": "joined", "room": "lobby", "id": "carol", "display": "Carol"}),
		vrEvent(4, 41, map[string]any{"event": "created", "room": 99}),             // a handle that creates a room
		vrEvent(4, 41, map[string]any{"event": "published", "room": 99}),           // without joining it is no participant
		vrEvent(0, 0, map[string]any{"event": "leaving", "room": 1234, "id": 556}), // no handle: Bob's session via his feed
		mk(telemetry.TypeSession, 3, 0, "", map[string]any{"name": "destroyed"}),
	)
	rooms := s.Rooms()
	if len(rooms) != 2 || rooms[0].Room != "1234" || rooms[1].Room != "lobby" {
		t.Fatalf("rooms %+v", rooms)
	}
	type row struct {
		sid, hid    uint64
		id, display string
		role        string
		active, pub bool
		streams     int
	}
	var got []row
	for _, p := range rooms[0].Participants {
		got = append(got, row{p.SessionID, p.HandleID, p.ID, p.Display, p.Role, p.Active, p.Publishing, len(p.Streams)})
	}
	want := []row{
		{1, 11, "555", "Alice", "publisher", true, true, 2},
		{2, 22, "", "", "subscriber", true, false, 1},
		{2, 21, "556", "Bob", "publisher", false, false, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("participants %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("participant %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if p := rooms[1].Participants; len(p) != 1 || p[0].Display != "Carol" || p[0].Active {
		t.Errorf("lobby after the session ended: %+v", p)
	}
	var st map[string]any
	if err := json.Unmarshal(rooms[0].Participants[0].Streams[1], &st); err != nil || st["codec"] != "vp8" {
		t.Errorf("stream %s: %v", rooms[0].Participants[0].Streams[1], err)
	}
	// The same through the Admin API.
	if r, ok := s.Query(context.Background(), json.RawMessage(`{"request":"rooms"}`)).(history.RoomsResponse); !ok || len(r.Rooms) != 2 {
		t.Errorf("query rooms: %+v", r)
	}
}

func TestDerivedStateBounded(t *testing.T) {
	s := history.New(history.Config{})
	long := strings.Repeat("é", 1000)
	var evs []*telemetry.Event
	for h := range uint64(200) {
		evs = append(evs, vrEvent(1, 100+h, map[string]any{"event": "joined", "room": 1, "id": h, "display": long}))
	}
	big := make([]any, 500)
	for i := range big {
		big[i] = map[string]any{"type": "video", "mid": i}
	}
	evs = append(evs, vrEvent(1, 100, map[string]any{"event": "published", "room": 1, "id": 0, "streams": big}))
	export(t, s, evs...)
	rooms := s.Rooms()
	if len(rooms) != 1 || len(rooms[0].Participants) != 64 {
		t.Fatalf("participants %d, want the bound 64", len(rooms[0].Participants))
	}
	p := rooms[0].Participants[0]
	if n := len([]rune(p.Display)); n != 256 {
		t.Errorf("display kept %d runes, want 256", n)
	}
	if len(p.Streams) != 32 {
		t.Errorf("streams kept %d, want 32", len(p.Streams))
	}
	// Far more transport connections than the address book keeps.
	for i := range 10000 {
		export(t, s, request("janus.transport.http", strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune(i)), "192.0.2.1", i))
	}
	export(t, s, request("janus.transport.http", "last", "192.0.2.99", 1), mk(telemetry.TypeSession, 9, 0, "", created("janus.transport.http", "last")))
	if sum, _ := s.Session(9); sum.Address != "192.0.2.99:1" {
		t.Errorf("address %q", sum.Address)
	}
}

// homerJSON is a Homer search link with its JSON query (docs/CONSOLE.md).
const homerJSON = `http://homer:9080/search/result?{"timestamp":{"from":{from_ms},"to":{to_ms}},"param":{"search":{"1_call":{"correlation_id":["{cid}"]}},"transaction":{"call":true}}}`

func TestSettingsLinks(t *testing.T) {
	tests := []struct {
		settings map[string]string
		wantErr  bool
		want     history.ConsoleConfig
	}{
		{map[string]string{}, false, history.ConsoleConfig{HomerCorrelation: "session"}},
		{map[string]string{"jaeger_url": "http://127.0.0.1:16686/", "homer_url": "https://homer.example/search?cid={cid}", "homer_correlation": "opaque"}, false,
			history.ConsoleConfig{JaegerURL: "http://127.0.0.1:16686", HomerURL: "https://homer.example/search?cid={cid}", HomerCorrelation: "opaque"}},
		{map[string]string{"homer_url": homerJSON}, false, history.ConsoleConfig{HomerURL: homerJSON, HomerCorrelation: "session"}},
		{map[string]string{"jaeger_url": "javascript:alert(1)"}, true, history.ConsoleConfig{}},
		{map[string]string{"homer_url": "/relative"}, true, history.ConsoleConfig{}},
		{map[string]string{"homer_correlation": "call"}, true, history.ConsoleConfig{}},
	}
	for _, tt := range tests {
		sink, err := history.FromSettings(telemetry.SinkConfig{ServerName: "argus-test", Settings: tt.settings})
		if (err != nil) != tt.wantErr {
			t.Fatalf("%v: err %v", tt.settings, err)
		}
		if err != nil {
			continue
		}
		s := sink.(*history.Store)
		mux := nethttp.NewServeMux()
		mux.Handle(history.APIPrefix, s.Handler())
		srv := httptest.NewServer(mux)
		got := getJSON(t, srv.URL+"/console/api/config", 200)
		export(t, s, mk(telemetry.TypeSession, 3, 0, "", map[string]any{"name": "created"}))
		sess := getJSON(t, srv.URL+"/console/api/sessions", 200)["sessions"].([]any)[0].(map[string]any)
		rooms := getJSON(t, srv.URL+"/console/api/rooms", 200)
		srv.Close()
		if got["jaeger_url"] != tt.want.JaegerURL || got["homer_url"] != tt.want.HomerURL || got["homer_correlation"] != tt.want.HomerCorrelation {
			t.Errorf("%v: config %v", tt.settings, got)
		}
		if sess["trace_id"] != otel.TraceID("argus-test", 3).String() {
			t.Errorf("trace id %v", sess["trace_id"])
		}
		if r, ok := rooms["rooms"].([]any); !ok || len(r) != 0 {
			t.Errorf("rooms %v", rooms)
		}
	}
}

func TestVerdictColumn(t *testing.T) {
	verdict := func(sid, hid uint64, scope, outcome string, findings ...string) *telemetry.Event {
		// As telemetry/verdict emits it, read back from JSON.
		return mk(telemetry.TypeExternal, sid, hid, "", map[string]any{"schema": "argus.verdict",
			"data": map[string]any{"scope": scope, "outcome": outcome, "findings": findings}})
	}
	s := history.New(history.Config{})
	export(t, s,
		mk(telemetry.TypeSession, 8, 0, "", map[string]any{"name": "created"}),
		verdict(8, 81, "peerconnection", "ok", "connected in 120 ms"),
	)
	if sum, _ := s.Session(8); sum.Verdict != "ok" {
		t.Errorf("after an ok PeerConnection: verdict %q", sum.Verdict)
	}
	export(t, s,
		verdict(8, 82, "peerconnection", "one-way", "audio (mid 0) from the client none"),
		verdict(8, 83, "peerconnection", "ok", "connected"),
		mk(telemetry.TypeExternal, 8, 0, "", map[string]any{"schema": "custom", "data": map[string]any{"outcome": "x"}}),
	)
	if sum, _ := s.Session(8); sum.Verdict != "one-way" || len(sum.Findings) != 1 || !strings.Contains(sum.Findings[0], "audio") {
		t.Errorf("a non-ok PeerConnection verdict sticks until the session's: %q %q", sum.Verdict, sum.Findings)
	}
	export(t, s, mk(telemetry.TypeSession, 8, 0, "", map[string]any{"name": "destroyed"}),
		verdict(8, 0, "session", "one-way", "3 PeerConnection(s): 1 one-way, 2 ok"))
	if sum, _ := s.Session(8); sum.Verdict != "one-way" || sum.Findings[0] != "3 PeerConnection(s): 1 one-way, 2 ok" {
		t.Errorf("the session's verdict: %q %q", sum.Verdict, sum.Findings)
	}
}
