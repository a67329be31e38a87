package httpevh

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// lateTransport answers every request at once with 200 and keeps its body
// unread and open, as net/http may (it can read a request body after
// RoundTrip returned, and closes it when done).
type lateTransport struct{ bodies []io.ReadCloser }

func (l *lateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	l.bodies = append(l.bodies, req.Body)
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: http.NoBody, Request: req}, nil
}

func testEvents(n int, name string) []*telemetry.Event {
	evs := make([]*telemetry.Event, n)
	for i := range evs {
		evs[i] = &telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeSession, Timestamp: int64(i + 1),
			SessionID: uint64(i + 1), Body: map[string]any{"name": name}}
	}
	return evs
}

// long is name padded past smallBody.
func long(name string) string { return name + strings.Repeat(".", smallBody) }

// TestBodyNotReusedWhileOpen: a POST body that the transport still holds
// open is not overwritten by the next POST; once closed, its buffer is
// reused by the next POST, which then sends its own bytes.
func TestBodyNotReusedWhileOpen(t *testing.T) {
	s, err := New(DefaultConfig("http://127.0.0.1:1/events"))
	if err != nil {
		t.Fatal(err)
	}
	late := &lateTransport{}
	s.client.Transport = late
	ctx := context.Background()
	// Every event alone is over smallBody: the bodies go through
	// postBody's readers, not a copy.
	first, second := testEvents(30, long("created")), testEvents(3, long("destroyed"))
	if err := s.Export(ctx, first); err != nil {
		t.Fatal(err)
	}
	p1 := s.spare.Load()
	if p1 == nil || p1.done() {
		t.Fatal("the first body is not the spare, held open by the transport")
	}
	if err := s.Export(ctx, second); err != nil {
		t.Fatal(err)
	}
	if s.spare.Load() == p1 {
		t.Fatal("the second POST reused the first body's buffer, still open in the transport")
	}
	want1, err := evhkit.MarshalEvents(first, true, evhkit.Indented)
	if err != nil {
		t.Fatal(err)
	}
	got1, err := io.ReadAll(late.bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(got1) != string(want1) {
		t.Fatalf("the first body, read after the second POST:\n%s\nwant\n%s", got1, want1)
	}
	for _, b := range late.bodies {
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := late.bodies[0].Read(make([]byte, 1)); !errors.Is(err, errBodyClosed) {
		t.Fatalf("read after close: %v, want errBodyClosed", err)
	}

	// Closed before the POST ends: the buffer is kept and reused.
	s.client.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		late.bodies = append(late.bodies, req.Body)
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: io.NopCloser(&echo{b: b}), Request: req}, nil
	})
	third := testEvents(2, long("timeout"))
	prev := s.spare.Load()
	for range 2 {
		if err := s.Export(ctx, third); err != nil {
			t.Fatal(err)
		}
		p := s.spare.Load()
		if p != prev {
			t.Fatal("a closed body's buffer was not reused")
		}
		want3, err := evhkit.MarshalEvents(third, true, evhkit.Indented)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(p.b); got != string(want3) {
			t.Fatalf("kept buffer holds\n%s\nwant the last body\n%s", got, want3)
		}
		if got := string(late.bodies[len(late.bodies)-1].(*bodyReader).p.b); got != string(want3) {
			t.Fatalf("sent\n%s\nwant\n%s", got, want3)
		}
	}
}

// TestBodyGetBody: a body read again through GetBody (net/http's retry on
// a stale connection, or a redirect) gives the same bytes, and the buffer
// is kept only once every reader is closed.
func TestBodyGetBody(t *testing.T) {
	s, err := New(DefaultConfig("http://127.0.0.1:1/events"))
	if err != nil {
		t.Fatal(err)
	}
	var again io.ReadCloser
	s.client.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if _, err := io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		var err error
		if again, err = req.GetBody(); err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: http.NoBody, Request: req}, nil
	})
	evs := testEvents(5, long("created"))
	if err := s.Export(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	p := s.spare.Load()
	if p == nil || p.done() {
		t.Fatal("the buffer that a GetBody reader still reads counts as done")
	}
	got, err := io.ReadAll(again)
	if err != nil {
		t.Fatal(err)
	}
	want, err := evhkit.MarshalEvents(evs, true, evhkit.Indented)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("GetBody read\n%s\nwant\n%s", got, want)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	if !p.done() {
		t.Fatal("every reader closed, yet the buffer is not done")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// echo is a response body of b.
type echo struct{ b []byte }

func (e *echo) Read(p []byte) (int, error) {
	if len(e.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, e.b)
	e.b = e.b[n:]
	return n, nil
}

// TestDrainReadsAtMost64KiB: a response body is read up to maxResponse
// bytes, no further.
func TestDrainReadsAtMost64KiB(t *testing.T) {
	for _, n := range []int{0, 100, maxResponse - 1, maxResponse, maxResponse + 1000} {
		r := &echo{b: make([]byte, n)}
		var buf [512]byte
		drain(r, buf[:])
		if left, want := len(r.b), max(n-maxResponse, 0); left != want {
			t.Fatalf("%d bytes: %d left unread, want %d", n, left, want)
		}
	}
}

// TestPostBodyIsMarshalEvents: through net/http to a real server, each
// POST body is MarshalEvents' bytes of its chunk, in every layout, for
// bodies larger than the transport's write buffer (they go out through
// copyConn.ReadFrom) and for a smaller body after a larger one (the
// reused buffer).
func TestPostBodyIsMarshalEvents(t *testing.T) {
	for _, f := range []Format{FormatIndented, FormatPlain, FormatCompact} {
		t.Run(string(f), func(t *testing.T) {
			var bodies [][]byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				if err != nil {
					t.Error(err)
				}
				bodies = append(bodies, b)
			}))
			defer srv.Close()
			cfg := DefaultConfig(srv.URL)
			cfg.Format = f
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Shutdown(context.Background()) }()
			evs := testEvents(2*MaxGroup+7, "created")
			for _, batch := range [][]*telemetry.Event{evs, evs[:3]} {
				if err := s.Export(context.Background(), batch); err != nil {
					t.Fatal(err)
				}
			}
			chunks := [][]*telemetry.Event{evs[:MaxGroup], evs[MaxGroup : 2*MaxGroup], evs[2*MaxGroup:], evs[:3]}
			if len(bodies) != len(chunks) {
				t.Fatalf("%d POSTs, want %d", len(bodies), len(chunks))
			}
			if len(bodies[0]) <= 4<<10 {
				t.Fatalf("first body %d bytes: not larger than the write buffer", len(bodies[0]))
			}
			for i, c := range chunks {
				want, err := evhkit.MarshalEvents(c, true, evhkit.Format(f))
				if err != nil {
					t.Fatal(err)
				}
				if string(bodies[i]) != string(want) {
					t.Fatalf("POST %d:\n%.300s\nwant\n%.300s", i, bodies[i], want)
				}
			}
		})
	}
}

// readAll is a transport that reads and closes every body, then answers 200.
func readAll(sent *[]string) roundTripFunc {
	return func(req *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		*sent = append(*sent, string(b))
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: http.NoBody, Request: req}, nil
	}
}

// TestBodyBufferKeptAcrossGroupSizes: batches of a full group and a short
// rest (POSTs of 100, then 10 events) keep reusing one buffer; after one
// exceptionally large POST, small POSTs let its buffer go.
func TestBodyBufferKeptAcrossGroupSizes(t *testing.T) {
	s, err := New(DefaultConfig("http://127.0.0.1:1/events"))
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	s.client.Transport = readAll(&sent)
	ctx := context.Background()
	evs := testEvents(MaxGroup+10, strings.Repeat("c", 2000)) // POSTs of ~200 and ~20 KB
	if err := s.Export(ctx, evs); err != nil {
		t.Fatal(err)
	}
	p := s.spare.Load()
	if p == nil {
		t.Fatal("no body buffer kept after a batch")
	}
	for i := range 5 {
		if err := s.Export(ctx, evs); err != nil {
			t.Fatal(err)
		}
		if s.spare.Load() != p {
			t.Fatalf("batch %d: a new body buffer", i+2)
		}
	}
	for i, c := range [][]*telemetry.Event{evs[:MaxGroup], evs[MaxGroup:]} {
		want, err := evhkit.MarshalEvents(c, true, evhkit.Indented)
		if err != nil {
			t.Fatal(err)
		}
		if got := sent[len(sent)-2+i]; got != string(want) {
			t.Fatalf("POST %d of the last batch:\n%.200s\nwant\n%.200s", i, got, want)
		}
	}

	big := make([]*telemetry.Event, MaxGroup)
	for i := range big {
		big[i] = &telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeSession, Timestamp: 1,
			Body: map[string]any{"name": strings.Repeat("x", 10_000)}}
	}
	if err := s.Export(ctx, big); err != nil {
		t.Fatal(err)
	}
	large := cap(s.spare.Load().b)
	if large < MaxGroup*10_000 {
		t.Fatalf("buffer of %d bytes after a POST of a megabyte", large)
	}
	small := evs[:1]
	for range 100 {
		if err := s.Export(ctx, small); err != nil {
			t.Fatal(err)
		}
	}
	if c := cap(s.spare.Load().b); c > large/4 {
		t.Fatalf("after 100 small POSTs the buffer still has %d bytes (the large POST's %d)", c, large)
	}
}

// writeCounter counts a connection's writes.
type writeCounter struct {
	net.Conn
	writes *atomic.Int64
}

func (w *writeCounter) Write(b []byte) (int, error) {
	w.writes.Add(1)
	return w.Conn.Write(b)
}

// TestSmallBodyOneWrite: a POST whose body is at most smallBody leaves in
// one write with its headers (net/http flushes the headers alone before a
// body it does not know to be in memory), a larger one in more; every
// body arrives as laid out.
func TestSmallBodyOneWrite(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer srv.Close()
	s, err := New(DefaultConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := s.client.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T", s.client.Transport)
	}
	var writes atomic.Int64
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &writeCounter{Conn: c, writes: &writes}, nil
	}
	for _, tc := range []struct {
		name      string
		evs       []*telemetry.Event
		oneWrite  bool
		postCount int
	}{
		{"small", testEvents(2, "created"), true, 20},
		{"large", testEvents(2, long("created")), false, 5},
	} {
		want, err := evhkit.MarshalEvents(tc.evs, true, evhkit.Indented)
		if err != nil {
			t.Fatal(err)
		}
		if small := len(want) <= smallBody; small != tc.oneWrite {
			t.Fatalf("%s: body of %d bytes", tc.name, len(want))
		}
		writes.Store(0)
		mu.Lock()
		got = got[:0]
		mu.Unlock()
		for range tc.postCount {
			if err := s.Export(context.Background(), tc.evs); err != nil {
				t.Fatal(err)
			}
		}
		n := writes.Load()
		if tc.oneWrite && n != int64(tc.postCount) || !tc.oneWrite && n < 2*int64(tc.postCount) {
			t.Errorf("%s: %d writes for %d POSTs", tc.name, n, tc.postCount)
		}
		mu.Lock()
		for i, b := range got {
			if b != string(want) {
				t.Fatalf("%s: POST %d body\n%.300s\nwant\n%.300s", tc.name, i, b, want)
			}
		}
		if len(got) != tc.postCount {
			t.Fatalf("%s: %d POSTs arrived, want %d", tc.name, len(got), tc.postCount)
		}
		mu.Unlock()
	}
}
