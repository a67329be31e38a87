package wsevh_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/wsevh"
)

type frame struct {
	subprotocol string
	typ         websocket.MessageType
	data        []byte
}

// backend is a WebSocket event receiver, as a Janus wsevh user runs.
func backend(t *testing.T) (*httptest.Server, chan frame) {
	t.Helper()
	frames := make(chan frame, 1024)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wsevh.DefaultSubprotocol}})
		if err != nil {
			return
		}
		defer func() { _ = c.CloseNow() }()
		for {
			typ, data, err := c.Read(r.Context())
			if err != nil {
				return
			}
			frames <- frame{c.Subprotocol(), typ, data}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, frames
}

func newSink(t *testing.T, settings map[string]string) *wsevh.Sink {
	t.Helper()
	s, err := telemetry.NewSink(wsevh.SinkName, telemetry.SinkConfig{ServerName: "node-a", Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s.(*wsevh.Sink)
}

func next(t *testing.T, frames chan frame) frame {
	t.Helper()
	select {
	case f := <-frames:
		return f
	case <-time.After(20 * time.Second):
		t.Fatal("no frame within 20 s")
	}
	return frame{}
}

func TestGroupedIndentedFrames(t *testing.T) {
	srv, frames := backend(t)
	s := newSink(t, map[string]string{"backend": "ws" + strings.TrimPrefix(srv.URL, "http") + "/events"})
	evs := evhtest.Events("node-a", 4)
	if err := s.Export(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	f := next(t, frames)
	if f.subprotocol != wsevh.DefaultSubprotocol || f.typ != websocket.MessageText {
		t.Fatalf("subprotocol %q type %v", f.subprotocol, f.typ)
	}
	if !strings.HasPrefix(string(f.data), "[\n   {\n      \"emitter\": \"node-a\",") {
		t.Fatalf("not Janus's indented array:\n%s", f.data)
	}
	var got []telemetry.Event
	if err := json.Unmarshal(f.data, &got); err != nil || len(got) != 4 || got[3].SessionID != evs[3].SessionID {
		t.Fatalf("%v %+v", err, got)
	}
}

func TestUngroupedAndTweak(t *testing.T) {
	srv, frames := backend(t)
	s := newSink(t, map[string]string{"backend": "ws" + strings.TrimPrefix(srv.URL, "http"), "grouping": "false",
		"json": "compact", "events": "sessions,handles"})
	evs := evhtest.Events("node-a", 5) // a session and a handle event pass
	if err := s.Export(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		want, _ := json.Marshal(evs[i])
		if f := next(t, frames); string(f.data) != string(want) {
			t.Fatalf("frame %d %s, want %s", i, f.data, want)
		}
	}
	res := s.Query(context.Background(), json.RawMessage(`{"request":"tweak","grouping":true,"events":"media"}`))
	if b, _ := json.Marshal(res); string(b) != `{"result":200}` {
		t.Fatalf("tweak: %s", b)
	}
	if err := s.Export(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	var got []telemetry.Event
	if err := json.Unmarshal(next(t, frames).data, &got); err != nil || len(got) != 1 || got[0].Type != telemetry.TypeMedia {
		t.Fatalf("after tweak: %v %+v", err, got)
	}
}

func TestServerDown(t *testing.T) {
	srv, frames := backend(t)
	p := evhtest.NewProxy(t, strings.TrimPrefix(srv.URL, "http://"))
	s := newSink(t, map[string]string{"backend": "ws://" + p.Addr(), "grouping": "false",
		"reconnect_backoff": "100", "reconnect_max": "300", "connect_timeout": "2000"})
	if err := s.Export(context.Background(), evhtest.Events("before", 1)); err != nil {
		t.Fatal(err)
	}
	next(t, frames)
	evhtest.Outage(t, s, p.Stop, p.Restart, evhtest.Events("after", 1))
	var ev telemetry.Event
	for ev.Emitter != "after" { // frames written before the cut was noticed may precede it
		if err := json.Unmarshal(next(t, frames).data, &ev); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadSettings(t *testing.T) {
	for _, m := range []map[string]string{
		{"backend": "http://x"},
		{"backend": "ws://x", "json": "fancy"},
		{"backend": "ws://x", "tls_cacert": "/nonexistent.pem"},
		{"backend": "ws://x", "what": "1"},
	} {
		if _, err := telemetry.NewSink(wsevh.SinkName, telemetry.SinkConfig{Settings: m}); err == nil {
			t.Errorf("settings %v accepted", m)
		}
	}
}

// TestTLSBackend: wss:// with the backend's CA from tls_cacert; without
// it the certificate is refused and the events are dropped and counted.
func TestTLSBackend(t *testing.T) {
	frames := make(chan []byte, 16)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wsevh.DefaultSubprotocol}})
		if err != nil {
			return
		}
		defer func() { _ = c.CloseNow() }()
		for {
			_, data, err := c.Read(r.Context())
			if err != nil {
				return
			}
			frames <- data
		}
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	wss := "wss" + strings.TrimPrefix(srv.URL, "https")

	untrusted := newSink(t, map[string]string{"backend": wss, "json": "compact"})
	if err := untrusted.Export(context.Background(), evhtest.Events("n", 2)); err == nil {
		t.Fatal("an unknown CA was accepted")
	}
	if st := untrusted.Stats(); st.Dropped != 2 || st.ConnectionFailures != 1 {
		t.Fatalf("stats %+v", st)
	}
	trusted := newSink(t, map[string]string{"backend": wss, "json": "compact", "tls_cacert": ca})
	if err := trusted.Export(context.Background(), evhtest.Events("n", 2)); err != nil {
		t.Fatal(err)
	}
	select {
	case data := <-frames:
		var got []telemetry.Event
		if err := json.Unmarshal(data, &got); err != nil || len(got) != 2 {
			t.Fatalf("frame %s: %v", data, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no frame over wss")
	}
}
