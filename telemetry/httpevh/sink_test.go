package httpevh_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/httpevh"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type request struct {
	body        []byte // decompressed
	raw         []byte
	contentType string
	encoding    string
	user, pwd   string
	authOK      bool
}

// receiver records POSTs and answers with statuses[i] (then 200).
type receiver struct {
	mu       sync.Mutex
	reqs     []request
	statuses []int
	got      chan struct{}
}

func newReceiver(t *testing.T, statuses ...int) (*receiver, *httptest.Server) {
	t.Helper()
	r := &receiver{statuses: statuses, got: make(chan struct{}, 1000)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		body := raw
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Errorf("gzip: %v", err)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			body, _ = io.ReadAll(zr)
		}
		u, p, ok := req.BasicAuth()
		r.mu.Lock()
		r.reqs = append(r.reqs, request{body: body, raw: raw, contentType: req.Header.Get("Content-Type"),
			encoding: req.Header.Get("Content-Encoding"), user: u, pwd: p, authOK: ok})
		status := 200
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		r.got <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

func events(n int) []*telemetry.Event {
	evs := make([]*telemetry.Event, n)
	for i := range evs {
		evs[i] = &telemetry.Event{Emitter: "MyJanusInstance", Type: telemetry.TypeSession,
			Timestamp: 1700000000000000 + int64(i), SessionID: uint64(i + 1),
			Body: map[string]any{"name": "created", "transport": map[string]any{"transport": "janus.transport.http", "id": "42"}}}
	}
	return evs
}

func newSink(t *testing.T, cfg httpevh.Config) *httpevh.Sink {
	t.Helper()
	s, err := httpevh.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s
}

func TestGroupingArraysOf100(t *testing.T) {
	rec, srv := newReceiver(t)
	s := newSink(t, httpevh.DefaultConfig(srv.URL))
	if err := s.Export(context.Background(), events(250)); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d POSTs, want 3", len(reqs))
	}
	sizes := []int{100, 100, 50}
	next := uint64(1)
	for i, r := range reqs {
		if r.contentType != "application/json" {
			t.Errorf("Content-Type %q", r.contentType)
		}
		var arr []map[string]any
		if err := json.Unmarshal(r.body, &arr); err != nil {
			t.Fatalf("POST %d is not an array: %v", i, err)
		}
		if len(arr) != sizes[i] {
			t.Fatalf("POST %d has %d events, want %d", i, len(arr), sizes[i])
		}
		for _, e := range arr {
			if e["emitter"] != "MyJanusInstance" || e["type"] != float64(1) || e["timestamp"] == nil {
				t.Fatalf("bad event %v", e)
			}
			if e["session_id"] != float64(next) {
				t.Fatalf("session_id %v, want %d (order)", e["session_id"], next)
			}
			if _, has := e["subtype"]; has {
				t.Fatal("subtype present for a session event")
			}
			body, _ := e["event"].(map[string]any)
			if body["name"] != "created" {
				t.Fatalf("event body %v", e["event"])
			}
			next++
		}
		// Janus 1.1.2 default: 3-space indentation.
		if !bytes.Contains(r.body, []byte("\n   {")) {
			t.Fatalf("body not indented by 3 spaces: %.60q", r.body)
		}
	}
	if st := s.Stats(); st.Posted != 3 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestNoGroupingOneObjectPerPost(t *testing.T) {
	rec, srv := newReceiver(t)
	cfg := httpevh.DefaultConfig(srv.URL)
	cfg.Grouping = false
	s := newSink(t, cfg)
	if err := s.Export(context.Background(), events(3)); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d POSTs, want 3", len(reqs))
	}
	for i, r := range reqs {
		var e telemetry.Event
		if err := json.Unmarshal(r.body, &e); err != nil || e.SessionID != uint64(i+1) || e.Type != telemetry.TypeSession {
			t.Fatalf("POST %d: %v %+v", i, err, e)
		}
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		format httpevh.Format
		check  func(b []byte) bool
	}{
		{httpevh.FormatCompact, func(b []byte) bool {
			return !bytes.Contains(b, []byte("\n")) && bytes.Contains(b, []byte(`"type":1,"timestamp"`))
		}},
		{httpevh.FormatPlain, func(b []byte) bool {
			return !bytes.Contains(b, []byte("\n")) && bytes.Contains(b, []byte(`"type": 1, `))
		}},
		{httpevh.FormatIndented, func(b []byte) bool { return bytes.Contains(b, []byte("\n      \"type\": 1,")) }},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			rec, srv := newReceiver(t)
			cfg := httpevh.DefaultConfig(srv.URL)
			cfg.Format = tt.format
			s := newSink(t, cfg)
			evs := events(2)
			evs[0].Body = map[string]any{"name": "a, b: \"c\""} // separators inside strings stay as they are
			if err := s.Export(context.Background(), evs); err != nil {
				t.Fatal(err)
			}
			b := rec.requests()[0].body
			if !tt.check(b) {
				t.Fatalf("%s body: %s", tt.format, b)
			}
			var arr []telemetry.Event
			if err := json.Unmarshal(b, &arr); err != nil || len(arr) != 2 {
				t.Fatalf("unparseable: %v", err)
			}
			if b, _ := arr[0].Body.(telemetry.SessionBody); b.Name != "a, b: \"c\"" {
				t.Fatalf("string content changed: %v", arr[0].Body)
			}
		})
	}
}

func TestGzipAndBasicAuth(t *testing.T) {
	rec, srv := newReceiver(t)
	cfg := httpevh.DefaultConfig(srv.URL)
	cfg.Compress = true
	cfg.CompressionLevel = 9
	cfg.User, cfg.Password = "argus", "secret"
	s := newSink(t, cfg)
	if err := s.Export(context.Background(), events(20)); err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[0]
	if r.encoding != "gzip" || bytes.Equal(r.raw, r.body) {
		t.Fatalf("not gzipped: encoding %q", r.encoding)
	}
	if !r.authOK || r.user != "argus" || r.pwd != "secret" {
		t.Fatalf("basic auth %v %q %q", r.authOK, r.user, r.pwd)
	}
	var arr []telemetry.Event
	if err := json.Unmarshal(r.body, &arr); err != nil || len(arr) != 20 {
		t.Fatalf("decoded body: %v, %d events", err, len(arr))
	}
}

func TestRetryAfter500ThenSuccess(t *testing.T) {
	rec, srv := newReceiver(t, 500, 503)
	cfg := httpevh.DefaultConfig(srv.URL)
	cfg.Backoff = time.Millisecond
	s := newSink(t, cfg)
	if err := s.Export(context.Background(), events(5)); err != nil {
		t.Fatalf("Export: %v", err)
	}
	reqs := rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d POSTs, want 3 (two failures, one success)", len(reqs))
	}
	if !bytes.Equal(reqs[0].body, reqs[2].body) {
		t.Fatal("retry sent a different payload")
	}
	if st := s.Stats(); st.Retries != 2 || st.Posted != 1 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDroppedAfterRetries(t *testing.T) {
	rec, srv := newReceiver(t, 500, 500, 500, 500)
	cfg := httpevh.DefaultConfig(srv.URL)
	cfg.MaxRetransmissions = 2
	cfg.Backoff = time.Millisecond
	s := newSink(t, cfg)
	err := s.Export(context.Background(), events(7))
	if !errors.Is(err, httpevh.ErrDropped) || !errors.Is(err, httpevh.ErrStatus) {
		t.Fatalf("Export = %v, want ErrDropped wrapping ErrStatus", err)
	}
	if n := len(rec.requests()); n != 3 {
		t.Fatalf("%d POSTs, want 1 + 2 retries", n)
	}
	if st := s.Stats(); st.Failed != 1 || st.Dropped != 7 || st.Retries != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestMaskFilter(t *testing.T) {
	rec, srv := newReceiver(t)
	cfg := httpevh.DefaultConfig(srv.URL)
	cfg.Events = telemetry.ParseMask("core")
	s := newSink(t, cfg)
	evs := append(events(3), &telemetry.Event{Emitter: "x", Type: telemetry.TypeCore, Subtype: 1, Body: map[string]any{"status": "started"}})
	if err := s.Export(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	var arr []telemetry.Event
	if err := json.Unmarshal(rec.requests()[0].body, &arr); err != nil || len(arr) != 1 || arr[0].Subtype != 1 {
		t.Fatalf("%v %v", err, arr)
	}
}

// TestDeadReceiverNeverBlocksEmit: a backend that never answers costs the
// bus nothing but drops; the sink's goroutine stays bounded by ctx.
func TestDeadReceiverNeverBlocksEmit(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	cfg := httpevh.DefaultConfig(srv.URL)
	cfg.Timeout = 50 * time.Millisecond
	cfg.Backoff = time.Millisecond
	cfg.MaxRetransmissions = 1
	s, err := httpevh.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bus := telemetry.NewBus()
	if err := bus.Attach("http", s, telemetry.MaskAll, telemetry.WithQueueSize(128), telemetry.WithBatchSize(16)); err != nil {
		t.Fatal(err)
	}
	// Blocking would be for ever: the bound is generous (a loaded CI
	// machine under -race), the event count far above the queue's 128.
	const n = 20000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, e := range events(n) {
			bus.Emit(e)
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Emit blocked behind a dead HTTP backend")
	}
	st := bus.Stats()[0]
	if st.Dropped == 0 || st.QueueLen > st.QueueCap || st.QueueCap != 128 {
		t.Fatalf("bus stats %+v: want drops and a bounded queue", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = bus.Shutdown(ctx) // may report the deadline; it must return near it
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Shutdown took %v", d)
	}
	if s.Stats().Posted != 0 || s.Stats().Failed == 0 {
		t.Fatalf("sink stats %+v", s.Stats())
	}
	srv.CloseClientConnections()
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*httpevh.Config)
		want error
	}{
		{"ftp", func(c *httpevh.Config) { c.URL = "ftp://x" }, httpevh.ErrBadURL},
		{"empty", func(c *httpevh.Config) { c.URL = "" }, httpevh.ErrBadURL},
		{"format", func(c *httpevh.Config) { c.Format = "pretty" }, httpevh.ErrBadConfig},
		{"level", func(c *httpevh.Config) { c.CompressionLevel = 10 }, httpevh.ErrBadConfig},
		{"retrans", func(c *httpevh.Config) { c.MaxRetransmissions = -1 }, httpevh.ErrBadConfig},
	}
	for _, tt := range tests {
		cfg := httpevh.DefaultConfig("http://127.0.0.1:1/")
		tt.mod(&cfg)
		if _, err := httpevh.New(cfg); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestFromSettings(t *testing.T) {
	s, err := telemetry.NewSink("http", telemetry.SinkConfig{Settings: map[string]string{
		"backend": "http://127.0.0.1:9/evh", "grouping": "false", "json": "compact", "compress": "true",
		"compression": "3", "backend_user": "u", "backend_pwd": "p", "max_retransmissions": "0",
		"retransmissions_backoff": "250", "timeout": "2000", "events": "sessions,media",
	}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.(*httpevh.Sink).Config()
	if c.Grouping || c.Format != httpevh.FormatCompact || !c.Compress || c.CompressionLevel != 3 ||
		c.User != "u" || c.MaxRetransmissions != 0 || c.Backoff != 250*time.Millisecond ||
		c.Timeout != 2*time.Second || c.Events != telemetry.ParseMask("sessions,media") {
		t.Fatalf("config %+v", c)
	}
	const keys = "events=all grouping=true json=indented compress=false compression=6 backend_user= backend_pwd= " +
		"max_retransmissions=5 retransmissions_backoff=100 timeout=10000"
	if got := telemetrytest.OptionList("http"); got != keys {
		t.Fatalf("documented options %q, want %q", got, keys)
	}
	for _, bad := range []map[string]string{
		{"backend": "http://x", "bogus": "1"},
		{"backend": "http://x", "grouping": "maybe"},
		{"backend": "udp://x"},
		{"backend": "http://x", "compression": "10"},
		{"backend": "http://x", "max_retransmissions": "-1"},
	} {
		if _, err := telemetry.NewSink("http", telemetry.SinkConfig{Settings: bad}); err == nil {
			t.Errorf("settings %v accepted", bad)
		}
	}
}
