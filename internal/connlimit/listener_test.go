package connlimit

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/refusals"
)

// serve accepts on ln and holds every connection open until the client
// closes it, echoing one byte so the client knows it was served.
func serve(t *testing.T, ln net.Listener) {
	t.Helper()
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_, _ = c.Write([]byte{1})
				_, _ = io.Copy(io.Discard, c)
			})
		}
	})
}

// dial connects from local address src and reports whether it was served
// (got the byte) rather than closed.
func dial(t *testing.T, addr, src string) (net.Conn, bool) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 1)
	_, err = c.Read(b)
	return c, err == nil
}

func TestLimiterCaps(t *testing.T) {
	cnt := refusals.New(LimitPerIP, LimitTotal)
	l := NewLimiter(3, 2, cnt)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	own := refusals.New(LimitPerIP, LimitTotal) // the listener's own, as its transport's
	ln := l.Listen(inner, own)
	serve(t, ln)
	addr := inner.Addr().String()

	a1, ok1 := dial(t, addr, "127.0.0.1")
	a2, ok2 := dial(t, addr, "127.0.0.1")
	a3, ok3 := dial(t, addr, "127.0.0.1") // third from one IP: per-IP cap
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("served %v %v %v, want true true false", ok1, ok2, ok3)
	}
	b1, okb := dial(t, addr, "127.0.0.2") // another IP fits the total
	c1, okc := dial(t, addr, "127.0.0.3") // fourth overall: total cap
	if !okb || okc {
		t.Fatalf("other IPs served %v %v, want true false", okb, okc)
	}
	for name, c := range map[string]*refusals.Counters{"limiter": cnt, "listener": own} {
		if n, m, o := c.Count(LimitPerIP), c.Count(LimitTotal), c.Count(refusals.Other); n != 1 || m != 1 || o != 0 {
			t.Fatalf("%s counted %d per IP, %d total, %d other; want 1, 1, 0", name, n, m, o)
		}
	}
	// Closing frees the slots.
	for _, c := range []net.Conn{a1, a2, a3, b1, c1} {
		_ = c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for l.Open() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if l.Open() != 0 {
		t.Fatalf("%d slots still held", l.Open())
	}
	c, ok := dial(t, addr, "127.0.0.1")
	defer c.Close()
	if !ok {
		t.Fatal("not served after the slots were freed")
	}
}
