package evhtest

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy forwards a loopback port to a broker; Stop cuts every connection
// and refuses new ones, Restart listens again on the same port. It stands
// for a broker that goes away when the real one is shared by every test.
type Proxy struct {
	t      testing.TB
	target string
	addr   string
	tls    *tls.Config // NewTLSProxy: the TLS server side

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewProxy starts a proxy to target; it is stopped at the end of the test.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	return startProxy(t, target, nil)
}

// NewTLSProxy is NewProxy with TLS on the listening side, served with
// cert: a TLS terminator in front of a broker that speaks plain TCP only.
func NewTLSProxy(t testing.TB, target string, cert Cert) *Proxy {
	t.Helper()
	return startProxy(t, target, cert.ServerTLS(t))
}

func startProxy(t testing.TB, target string, tc *tls.Config) *Proxy {
	t.Helper()
	p := &Proxy{t: t, target: target, tls: tc, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Stop)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

func (p *Proxy) serve(ln net.Listener) {
	if p.tls != nil {
		ln = tls.NewListener(ln, p.tls) // the handshake runs on the first read
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = struct{}{}, struct{}{}
			p.mu.Unlock()
			p.wg.Add(2)
			go p.pipe(c, up)
			go p.pipe(up, c)
		}
	}()
}

func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// Stop closes the listener and every proxied connection.
func (p *Proxy) Stop() {
	p.mu.Lock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
	p.mu.Unlock()
	p.wg.Wait()
}

// Restart listens on the same address again.
func (p *Proxy) Restart() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may linger briefly
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy restart on %s: %v", p.addr, err)
	}
	p.serve(ln)
}
