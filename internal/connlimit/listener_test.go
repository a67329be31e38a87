package connlimit

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/clientaddr"
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

// TestLimiterTrustedProxyExempt: a trusted proxy's connections carry many
// clients, so they are exempt from the per-IP cap, not from the total;
// another address keeps its per-IP cap.
func TestLimiterTrustedProxyExempt(t *testing.T) {
	trusted, err := clientaddr.ParseProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	l := NewLimiter(4, 1, nil, WithTrustedProxies(trusted))
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, l.Listen(inner, nil))
	addr := inner.Addr().String()

	var held []net.Conn
	t.Cleanup(func() {
		for _, c := range held {
			_ = c.Close()
		}
	})
	for i := range 3 {
		c, ok := dial(t, addr, "127.0.0.1")
		held = append(held, c)
		if !ok {
			t.Fatalf("trusted proxy's connection %d refused: it is exempt from -max-conns-per-ip 1", i+1)
		}
	}
	c, ok := dial(t, addr, "127.0.0.2")
	held = append(held, c)
	if !ok {
		t.Fatal("an untrusted address's first connection refused")
	}
	c, ok = dial(t, addr, "127.0.0.2")
	held = append(held, c)
	if ok {
		t.Fatal("an untrusted address's second connection served over -max-conns-per-ip 1")
	}
	c, ok = dial(t, addr, "127.0.0.1")
	held = append(held, c)
	if ok {
		t.Fatal("a trusted proxy's connection served over -max-conns 4")
	}
}

// TestLimiterIPv6Prefix: two addresses of one /64 share the per-IP budget
// (one client rotating its addresses); with WithIPv6Prefix(128) each has
// its own, and another /64 always does. Only ::1 is a loopback IPv6
// address, so this runs at the slot level.
func TestLimiterIPv6Prefix(t *testing.T) {
	a := netip.MustParseAddr("2001:db8:0:1::10")
	b := netip.MustParseAddr("2001:db8:0:1::20")
	other := netip.MustParseAddr("2001:db8:0:2::10")
	tests := []struct {
		name    string
		opts    []Option
		bServed bool
	}{
		{"default /64", nil, false},
		{"-ipv6-client-prefix 64", []Option{WithIPv6Prefix(64)}, false},
		{"-ipv6-client-prefix 128", []Option{WithIPv6Prefix(128)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(0, 1, nil, tt.opts...)
			if _, ok := l.acquire(l.slotOf(a)); !ok {
				t.Fatal("first address refused")
			}
			if _, ok := l.acquire(l.slotOf(b)); ok != tt.bServed {
				t.Fatalf("second address of the /64 served %v, want %v", ok, tt.bServed)
			}
			if _, ok := l.acquire(l.slotOf(other)); !ok {
				t.Fatal("another /64 refused")
			}
			l.release(l.slotOf(a))
			if _, ok := l.acquire(l.slotOf(b)); ok == tt.bServed {
				t.Fatalf("second address served %v after the first's slot was released, want %v", ok, !tt.bServed)
			}
		})
	}
}
