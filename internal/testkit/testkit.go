// Package testkit holds the small helpers tests across Argus share:
// waiting for a condition, a value or a started server with a deadline,
// short temporary directories for socket files, a whole HTTP exchange,
// loopback ports nothing listens on, an accept loop whose connections
// end with the test, and the ICE enforce list of test gateways.
package testkit

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// pollInterval is how often Until checks its condition.
const pollInterval = 10 * time.Millisecond

// Until waits until cond holds, checking it every 10 ms, and fails t when
// it still does not hold after timeout.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
			return
		}
		time.Sleep(pollInterval)
	}
}

// Recv returns the next value received on ch, and fails t when none
// arrives within timeout.
func Recv[T any](t testing.TB, ch <-chan T, timeout time.Duration, what string) T {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("no %s within %v", what, timeout)
		var zero T
		return zero
	}
}

// ShutdownAtEnd registers shutdown as a cleanup of t, called with a
// context that ends after timeout; its error fails t as "what: error".
func ShutdownAtEnd(t testing.TB, what string, timeout time.Duration, shutdown func(context.Context) error) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := shutdown(ctx); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	})
}

// ShortTempDir is a temporary directory for socket files, removed when t
// ends: t.TempDir's paths, which carry the test's name, can exceed the
// 108-byte limit of a socket path.
func ShortTempDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// DeadAddr returns a 127.0.0.1 address of network ("udp", else TCP) that
// nothing listens on: a port bound, then released at once.
func DeadAddr(t testing.TB, network string) string {
	t.Helper()
	var (
		lc   net.ListenConfig
		addr net.Addr
		err  error
	)
	if network == "udp" {
		var pc net.PacketConn
		if pc, err = lc.ListenPacket(t.Context(), "udp4", "127.0.0.1:0"); err == nil {
			addr, err = pc.LocalAddr(), pc.Close()
		}
	} else {
		var ln net.Listener
		if ln, err = lc.Listen(t.Context(), "tcp4", "127.0.0.1:0"); err == nil {
			addr, err = ln.Addr(), ln.Close()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return addr.String()
}

// Do sends req with http.DefaultClient and returns the response's status,
// header and whole body; a failed request or read fails t.
func Do(t testing.TB, req *http.Request) (int, http.Header, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		return 0, nil, ""
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return res.StatusCode, res.Header, string(body)
}

// ServerUp waits until GET url answers 200 OK, trying every 100 ms (each
// try on a new connection) for up to timeout, and fails t when it does not.
// exited is closed when the server's process has ended (its Wait
// returned): t then fails at once, with what log returns, which ServerUp
// calls only then, when the process's output is complete.
func ServerUp(t testing.TB, what, url string, timeout time.Duration, exited <-chan struct{}, log func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
			return
		}
		res, err := hc.Do(req)
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before %s answered:\n%s", what, url, log())
			return
		case <-ctx.Done():
			t.Fatalf("%s did not answer %s within %v (last: %v)", what, url, timeout, err)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// LoopbackUDP is a UDP socket on 127.0.0.1 (any port), closed when the
// test ends.
func LoopbackUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = u.Close() })
	return u
}

// HeapInUse is the heap in use after two full collections: what the
// memory benchmarks read before and after building what they measure.
func HeapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// ServeConns accepts connections on ln until it is closed and runs serve
// on each in its own goroutine. stop closes ln and every connection
// accepted, then waits for the serve calls to return.
func ServeConns(ln net.Listener, serve func(net.Conn)) (stop func()) {
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(c)
			}()
		}
	}()
	return func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
}

// LoopbackICE is the ICE enforce list (webrtc.Config.ICEEnforceList) of
// the gateways tests run: their PeerConnections gather on 127.0.0.1 only,
// as the tests' clients do. Else a pair could form on an address that
// another test adds and then removes (test/janusref's veth pair, while
// packages run in parallel), and the media on it would stop when it goes.
func LoopbackICE() []string { return []string{"127.0.0.1"} }
