package natsevh_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/natsevh"
)

// sharedURL is the NATS+JetStream server of the test environment.
const sharedURL = "nats://127.0.0.1:4222"

// newSink builds the sink through the registry, as cmd/argus does.
func newSink(t *testing.T, settings map[string]string) *natsevh.Sink {
	t.Helper()
	return evhtest.NewSink[*natsevh.Sink](t, natsevh.SinkName, settings)
}

// consume reads the first n messages of stream, decoded, and deletes the
// stream at the end of the test.
func consume(t *testing.T, url, stream string, n int) []received {
	t.Helper()
	var out []received
	for _, m := range evhtest.NATSStream(t, url, stream).Wait(t, n) {
		var ev map[string]any
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			t.Fatalf("message %q: %v", m.Data, err)
		}
		out = append(out, received{m.Topic, m.Header, ev})
	}
	return out
}

type received struct {
	subject, msgID string
	event          map[string]any
}

func TestPublishesJanusEventsWithSequence(t *testing.T) {
	stream := evhtest.Name("ARGUSTEST")
	prefix := "argustest." + evhtest.Name("p")
	s := newSink(t, map[string]string{"url": sharedURL, "stream": stream, "subject_prefix": prefix})

	evs := evhtest.Events("node a", 7)
	evhtest.Export(t, s, evs)
	got := consume(t, sharedURL, stream, len(evs))
	for i, r := range got {
		e := evs[i]
		wantSubject := prefix + ".node_a." + telemetry.Mask(e.Type).String()
		if r.subject != wantSubject {
			t.Errorf("msg %d subject %q, want %q", i, r.subject, wantSubject)
		}
		if r.event["seq"] != float64(i+1) || r.event["emitter"] != "node a" || r.event["type"] != float64(e.Type) ||
			r.event["session_id"] != float64(e.SessionID) || r.event["handle_id"] != float64(e.HandleID) {
			t.Errorf("msg %d = %v, want event %d with seq %d", i, r.event, i, i+1)
		}
		body, _ := r.event["event"].(map[string]any)
		if body["name"] != "event-"+strconv.Itoa(i) {
			t.Errorf("msg %d body %v", i, body)
		}
		if want := "node_a." + s.Instance() + "." + strconv.Itoa(i+1); r.msgID != want {
			t.Errorf("msg %d Nats-Msg-Id %q, want %q", i, r.msgID, want)
		}
	}
	if st := s.Stats(); st.Dropped != 0 || st.Connects != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestMaskAndTweak(t *testing.T) {
	stream := evhtest.Name("ARGUSTEST")
	prefix := "argustest." + evhtest.Name("p")
	s := newSink(t, map[string]string{"url": sharedURL, "stream": stream, "subject_prefix": prefix, "events": "sessions"})
	evhtest.Export(t, s, evhtest.Events("n", 5)) // one session event
	res := s.Query(context.Background(), json.RawMessage(`{"request":"tweak","events":"handles"}`))
	if b, _ := json.Marshal(res); string(b) != `{"result":200}` {
		t.Fatalf("tweak: %s", b)
	}
	evhtest.Export(t, s, evhtest.Events("n", 5)) // one handle event
	got := consume(t, sharedURL, stream, 2)
	if got[0].event["type"] != float64(telemetry.TypeSession) || got[1].event["type"] != float64(telemetry.TypeHandle) {
		t.Fatalf("got types %v, %v", got[0].event["type"], got[1].event["type"])
	}
	res = s.Query(context.Background(), json.RawMessage(`{"request":"tweak","grouping":true}`))
	if b, _ := json.Marshal(res); string(b) != `{"error":"Invalid element (grouping)","error_code":413}` {
		t.Fatalf("grouping tweak on a non-grouping handler: %s", b)
	}
}

// TestBrokerDownDropsAndReconnects runs a private nats-server, kills it,
// checks that exports fail fast and count their drops, restarts it and
// checks that publishing resumes (evhtest.Outage) with a visible gap in
// seq: the events of one emitter before, during and after the outage.
func TestBrokerDownDropsAndReconnects(t *testing.T) {
	port := evhtest.FreePort(t)
	dir := t.TempDir()
	srv := evhtest.Start(t, port, "nats-server", "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", dir)
	url := "nats://127.0.0.1:" + strconv.Itoa(port)
	s := newSink(t, map[string]string{"url": url, "stream": "EV", "subject_prefix": "ev",
		"reconnect_backoff": "100", "reconnect_max": "200", "connect_timeout": "1000"})
	evhtest.Export(t, s, evhtest.Events(evhtest.OutageEmitter, 2))
	evhtest.Outage(t, s, srv.Stop, srv.Restart, evhtest.Events(evhtest.OutageEmitter, 1))
	got := consume(t, url, "EV", 3)
	if got[0].event["seq"] != float64(1) || got[1].event["seq"] != float64(2) {
		t.Fatalf("first seqs %v %v", got[0].event["seq"], got[1].event["seq"])
	}
	if last := got[2].event["seq"].(float64); last <= 3 {
		t.Fatalf("seq after the outage %v: the gap of dropped events is not visible", last)
	}
}

func TestBadSettings(t *testing.T) {
	evhtest.RefusesSettings(t, natsevh.SinkName,
		map[string]string{},
		map[string]string{"url": sharedURL, "nope": "1"},
		map[string]string{"url": sharedURL, "json": "pretty"},
		map[string]string{"url": sharedURL, "stream": "a.b"},
		map[string]string{"url": sharedURL, "reconnect_backoff": "-1"},
	)
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

// TestTLSServer: a private nats-server with TLS; the sink trusts it
// through tls_cacert and refuses it without.
func TestTLSServer(t *testing.T) {
	cert := evhtest.SelfSigned(t)
	port := evhtest.FreePort(t)
	evhtest.Start(t, port, "nats-server", "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", t.TempDir(),
		"--tls", "--tlscert", cert.CertFile, "--tlskey", cert.KeyFile)
	url := "tls://127.0.0.1:" + strconv.Itoa(port)
	untrusted := newSink(t, map[string]string{"url": url, "stream": "EV", "subject_prefix": "ev"})
	if err := untrusted.Export(context.Background(), evhtest.Events("n", 1)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an unknown CA: %v, want a certificate error", err)
	}
	trusted := newSink(t, map[string]string{"url": url, "stream": "EV", "subject_prefix": "ev", "tls_cacert": cert.CertFile})
	evhtest.Export(t, trusted, evhtest.Events("n", 3))
	if st := trusted.Stats(); st.Dropped != 0 || st.Connects != 1 {
		t.Fatalf("stats %+v", st)
	}
}
