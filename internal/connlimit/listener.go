// Package connlimit caps the connections a net.Listener hands out: a total
// and a per-IP cap. A connection over a cap is accepted and closed at once
// (so the kernel's backlog drains and the client sees a reset, not a hang),
// counted, and never reaches the server.
//
// Listeners that share a Limiter share its budget: Argus gives the public
// listeners (Janus API over HTTP and WebSocket) one Limiter and the admin
// listeners another, so a flood of the public API cannot take the file
// descriptors the Admin API needs (docs/SECURITY.md).
package connlimit

import (
	"net"
	"net/netip"
	"sync"
)

// Names of the caps, as Counter receives them.
const (
	LimitTotal = "connections_total"
	LimitPerIP = "connections_per_ip"
)

// Counter counts refused connections; it must not block.
type Counter interface {
	Refused(limit string, n int)
}

// Limiter holds the connection budget of one or more listeners.
type Limiter struct {
	total, perIP int // 0 = no cap
	count        Counter

	mu   sync.Mutex
	open int
	byIP map[netip.Addr]int
}

// NewLimiter returns a Limiter allowing total connections at once and
// perIP from one address (0 disables either cap); count may be nil.
func NewLimiter(total, perIP int, count Counter) *Limiter {
	return &Limiter{total: max(total, 0), perIP: max(perIP, 0), count: count, byIP: map[netip.Addr]int{}}
}

// Open reports the connections currently held.
func (l *Limiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// acquire takes a slot for ip, or returns the name of the cap that refuses it.
func (l *Limiter) acquire(ip netip.Addr) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total > 0 && l.open >= l.total {
		return LimitTotal, false
	}
	if l.perIP > 0 && l.byIP[ip] >= l.perIP {
		return LimitPerIP, false
	}
	l.open++
	l.byIP[ip]++
	return "", true
}

func (l *Limiter) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// Listen wraps ln so that every connection it accepts takes a slot of l
// until it is closed. A connection ln refuses is counted by the Limiter's
// Counter and by also (the listener's own, e.g. its transport's), if set.
func (l *Limiter) Listen(ln net.Listener, also Counter) net.Listener {
	return &listener{Listener: ln, l: l, also: also}
}

type listener struct {
	net.Listener
	l    *Limiter
	also Counter
}

// Accept returns the next connection within the caps; connections over a
// cap are counted, then closed (so a client that sees the close finds the
// refusal counted), here.
func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		if limit, ok := ln.l.acquire(ip); !ok {
			if ln.l.count != nil {
				ln.l.count.Refused(limit, 1)
			}
			if ln.also != nil {
				ln.also.Refused(limit, 1)
			}
			_ = c.Close()
			continue
		}
		return &conn{Conn: c, l: ln.l, ip: ip}, nil
	}
}

// remoteIP is the connection's peer address (unmapped); the zero Addr for
// non-IP connections, which then share one per-IP budget.
func remoteIP(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// conn releases its slot once, on the first Close.
type conn struct {
	net.Conn
	l    *Limiter
	ip   netip.Addr
	once sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
