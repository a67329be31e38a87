package wsevh_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/wsevh"
)

func newSink(t *testing.T, settings map[string]string) *wsevh.Sink {
	t.Helper()
	return evhtest.NewSink[*wsevh.Sink](t, wsevh.SinkName, settings)
}

func TestGroupedIndentedFrames(t *testing.T) {
	url, frames := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
	s := newSink(t, map[string]string{"backend": url + "/events"})
	evs := evhtest.Events("node-a", 4)
	evhtest.Export(t, s, evs)
	f := frames.Wait(t, 1)[0]
	if f.Topic != wsevh.DefaultSubprotocol || f.Header != websocket.MessageText.String() {
		t.Fatalf("subprotocol %q type %v", f.Topic, f.Header)
	}
	if !strings.HasPrefix(string(f.Data), "[\n   {\n      \"emitter\": \"node-a\",") {
		t.Fatalf("not Janus's indented array:\n%s", f.Data)
	}
	var got []telemetry.Event
	if err := json.Unmarshal(f.Data, &got); err != nil || len(got) != 4 || got[3].SessionID != evs[3].SessionID {
		t.Fatalf("%v %+v", err, got)
	}
}

func TestUngroupedAndTweak(t *testing.T) {
	url, frames := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
	s := newSink(t, map[string]string{"backend": url, "grouping": "false",
		"json": "compact", "events": "sessions,handles"})
	evs := evhtest.Events("node-a", 5) // a session and a handle event pass
	evhtest.Export(t, s, evs)
	for i, f := range frames.Wait(t, 2) {
		if want, _ := json.Marshal(evs[i]); string(f.Data) != string(want) {
			t.Fatalf("frame %d %s, want %s", i, f.Data, want)
		}
	}
	res := s.Query(context.Background(), json.RawMessage(`{"request":"tweak","grouping":true,"events":"media"}`))
	if b, _ := json.Marshal(res); string(b) != `{"result":200}` {
		t.Fatalf("tweak: %s", b)
	}
	evhtest.Export(t, s, evs)
	var got []telemetry.Event
	if err := json.Unmarshal(frames.Wait(t, 3)[2].Data, &got); err != nil || len(got) != 1 || got[0].Type != telemetry.TypeMedia {
		t.Fatalf("after tweak: %v %+v", err, got)
	}
}

func TestServerDown(t *testing.T) {
	url, frames := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
	p := evhtest.NewProxy(t, strings.TrimPrefix(url, "ws://"))
	s := newSink(t, map[string]string{"backend": "ws://" + p.Addr(), "grouping": "false",
		"reconnect_backoff": "100", "reconnect_max": "300", "connect_timeout": "2000"})
	evhtest.Export(t, s, evhtest.Events("before", 1))
	frames.Wait(t, 1)
	evhtest.Outage(t, s, p.Stop, p.Restart, evhtest.Events("after", 1))
	var ev telemetry.Event
	for n := 2; ev.Emitter != "after"; n++ { // frames written before the cut was noticed may precede it
		if err := json.Unmarshal(frames.Wait(t, n)[n-1].Data, &ev); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadSettings(t *testing.T) {
	evhtest.RefusesSettings(t, wsevh.SinkName,
		map[string]string{"backend": "http://x"},
		map[string]string{"backend": "ws://x", "json": "fancy"},
		map[string]string{"backend": "ws://x", "tls_cacert": "/nonexistent.pem"},
		map[string]string{"backend": "ws://x", "what": "1"},
	)
}

// TestTLSBackend: wss:// with the backend's CA from tls_cacert; without
// it the certificate is refused and the events are dropped and counted.
func TestTLSBackend(t *testing.T) {
	wss, ca, frames := evhtest.WSSBackend(t, wsevh.DefaultSubprotocol)

	untrusted := newSink(t, map[string]string{"backend": wss, "json": "compact"})
	if err := untrusted.Export(context.Background(), evhtest.Events("n", 2)); err == nil {
		t.Fatal("an unknown CA was accepted")
	}
	if st := untrusted.Stats(); st.Dropped != 2 || st.ConnectionFailures != 1 {
		t.Fatalf("stats %+v", st)
	}
	trusted := newSink(t, map[string]string{"backend": wss, "json": "compact", "tls_cacert": ca})
	evhtest.Export(t, trusted, evhtest.Events("n", 2))
	var got []telemetry.Event
	if f := frames.Wait(t, 1)[0]; json.Unmarshal(f.Data, &got) != nil || len(got) != 2 {
		t.Fatalf("frame %s", f.Data)
	}
}
