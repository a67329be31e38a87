package testkit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fatalT records a Fatalf instead of ending the test.
type fatalT struct {
	testing.TB
	failed string
}

func (f *fatalT) Helper() {}

func (f *fatalT) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

func (f *fatalT) Errorf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

func (f *fatalT) Fatal(args ...any) { f.failed = fmt.Sprint(args...) }

func TestServerUp(t *testing.T) {
	var tries atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if tries.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable) // starting
		}
	}))
	defer srv.Close()
	running := make(chan struct{})
	f := &fatalT{TB: t}
	ServerUp(f, "server", srv.URL, 5*time.Second, running, func() string { return "" })
	if f.failed != "" || tries.Load() != 3 {
		t.Fatalf("after %d tries: %q, want up at the third", tries.Load(), f.failed)
	}

	exited := make(chan struct{})
	close(exited)
	ServerUp(f, "server", "http://"+DeadAddr(t, "tcp"), 5*time.Second, exited, func() string { return "its output" })
	if !strings.Contains(f.failed, "server exited") || !strings.Contains(f.failed, "its output") {
		t.Errorf("failure %q, want the exit and the log", f.failed)
	}

	f.failed = ""
	ServerUp(f, "server", "http://"+DeadAddr(t, "tcp"), 300*time.Millisecond, running, func() string { return "" })
	if !strings.Contains(f.failed, "did not answer") {
		t.Errorf("failure %q, want the timeout", f.failed)
	}
}

func TestUntil(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 3 {
			time.Sleep(5 * time.Millisecond)
			n.Add(1)
		}
	}()
	f := &fatalT{TB: t}
	Until(f, 5*time.Second, "three ticks", func() bool { return n.Load() == 3 })
	if f.failed != "" {
		t.Fatalf("Until failed: %s", f.failed)
	}

	start := time.Now()
	Until(f, 30*time.Millisecond, "never", func() bool { return false })
	if !strings.Contains(f.failed, "waiting for never") {
		t.Errorf("failure %q", f.failed)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("gave up after %v, before the timeout", d)
	}
}

func TestRecv(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	f := &fatalT{TB: t}
	if v := Recv(f, ch, time.Second, "value"); v != 7 || f.failed != "" {
		t.Fatalf("Recv = %d (%q), want 7", v, f.failed)
	}
	if v := Recv(f, ch, 20*time.Millisecond, "second value"); v != 0 || !strings.Contains(f.failed, "no second value") {
		t.Errorf("Recv on an empty channel = %d, failure %q", v, f.failed)
	}
}

func TestShortTempDir(t *testing.T) {
	var dir string
	t.Run("sub", func(t *testing.T) {
		dir = ShortTempDir(t, "argus-testkit")
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			t.Fatalf("Stat(%s) = %v", dir, err)
		}
		if filepath.Dir(dir) != filepath.Clean(os.TempDir()) {
			t.Errorf("%s is not directly in %s", dir, os.TempDir())
		}
	})
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still there after the test: %v", dir, err)
	}
}

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("made"))
	}))
	defer srv.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, header, body := Do(t, req)
	if status != http.StatusCreated || header.Get("X-Method") != http.MethodPut || body != "made" {
		t.Errorf("got %d %q %q, want 201 PUT made", status, header.Get("X-Method"), body)
	}

	f := &fatalT{TB: t}
	req, err = http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+DeadAddr(t, "tcp"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if status, header, body := Do(f, req); status != 0 || header != nil || body != "" || !strings.HasPrefix(f.failed, "GET http://") {
		t.Errorf("refused request: %d %v %q, failure %q", status, header, body, f.failed)
	}
}

func TestDeadAddr(t *testing.T) {
	tcp, udp := DeadAddr(t, "tcp"), DeadAddr(t, "udp")
	for _, addr := range []string{tcp, udp} {
		if ap, err := netip.ParseAddrPort(addr); err != nil || ap.Addr() != netip.MustParseAddr("127.0.0.1") || ap.Port() == 0 {
			t.Fatalf("DeadAddr gave %q (%v)", addr, err)
		}
	}
	if c, err := net.DialTimeout("tcp4", tcp, time.Second); err == nil {
		_ = c.Close()
		t.Errorf("something listens on %s", tcp)
	}
	pc, err := net.ListenPacket("udp4", udp) // released: it can be bound again
	if err != nil {
		t.Fatalf("binding %s again: %v", udp, err)
	}
	_ = pc.Close()
}

func TestShutdownAtEnd(t *testing.T) {
	var f *fatalT
	called := false
	t.Run("sub", func(t *testing.T) {
		f = &fatalT{TB: t}
		ShutdownAtEnd(f, "thing shutdown", time.Minute, func(ctx context.Context) error {
			called = true
			if d, ok := ctx.Deadline(); !ok || time.Until(d) > time.Minute {
				t.Errorf("shutdown context deadline %v %v, want within a minute", d, ok)
			}
			return errors.New("stuck")
		})
		if called {
			t.Fatal("shutdown ran before the test ended")
		}
	})
	if !called || f.failed != "thing shutdown: stuck" {
		t.Errorf("called %v, failure %q", called, f.failed)
	}
}
