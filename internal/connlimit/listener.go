// Package connlimit caps the connections a net.Listener hands out: a total
// and a per-IP cap. A connection over a cap is accepted and closed at once
// (so the kernel's backlog drains and the client sees a reset, not a hang),
// counted, and never reaches the server.
//
// Listeners that share a Limiter share its budget: Argus gives the public
// listeners (Janus API over HTTP and WebSocket) one Limiter and the admin
// listeners another, so a flood of the public API cannot take the file
// descriptors the Admin API needs (docs/SECURITY.md).
//
// The per-IP cap counts a client under its clientaddr.Key (an IPv6 one per
// /64 by default), as the core's per-address caps do. It is counted at
// accept time, before any request header is read, so it cannot see the
// clients behind a reverse proxy: connections from a trusted proxy
// (WithTrustedProxies) are exempt from it and count only against the
// total.
package connlimit

import (
	"net"
	"net/netip"
	"sync"

	"github.com/argusrtc/argus/internal/clientaddr"
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
	ipv6Prefix   int                // clientaddr.Key's; 0 = its default
	trusted      clientaddr.Proxies // exempt from perIP

	mu   sync.Mutex
	open int
	byIP map[netip.Prefix]int
}

// Option configures a Limiter.
type Option func(*Limiter)

// WithIPv6Prefix counts an IPv6 client under its /bits prefix
// (clientaddr.Key; 128: per address) instead of its /64.
func WithIPv6Prefix(bits int) Option { return func(l *Limiter) { l.ipv6Prefix = bits } }

// WithTrustedProxies exempts the connections of the reverse proxies p from
// the per-IP cap: each carries many clients, told apart only by headers.
func WithTrustedProxies(p clientaddr.Proxies) Option { return func(l *Limiter) { l.trusted = p } }

// NewLimiter returns a Limiter allowing total connections at once and
// perIP from one client address (0 disables either cap); count may be nil.
func NewLimiter(total, perIP int, count Counter, opts ...Option) *Limiter {
	l := &Limiter{total: max(total, 0), perIP: max(perIP, 0), count: count, byIP: map[netip.Prefix]int{}}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Open reports the connections currently held.
func (l *Limiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// slot is what a connection holds: one of the total and, unless exempt,
// one of its key's per-IP ones.
type slot struct {
	key    netip.Prefix
	exempt bool
}

// slotOf is the slot a connection from ip takes.
func (l *Limiter) slotOf(ip netip.Addr) slot {
	return slot{key: clientaddr.Key(ip, l.ipv6Prefix), exempt: ip.IsValid() && l.trusted.Trusted(ip)}
}

// acquire takes s, or returns the name of the cap that refuses it.
func (l *Limiter) acquire(s slot) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total > 0 && l.open >= l.total {
		return LimitTotal, false
	}
	if !s.exempt && l.perIP > 0 && l.byIP[s.key] >= l.perIP {
		return LimitPerIP, false
	}
	l.open++
	if !s.exempt {
		l.byIP[s.key]++
	}
	return "", true
}

func (l *Limiter) release(s slot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if s.exempt {
		return
	}
	if l.byIP[s.key]--; l.byIP[s.key] <= 0 {
		delete(l.byIP, s.key)
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
		s := ln.l.slotOf(remoteIP(c))
		if limit, ok := ln.l.acquire(s); !ok {
			if ln.l.count != nil {
				ln.l.count.Refused(limit, 1)
			}
			if ln.also != nil {
				ln.also.Refused(limit, 1)
			}
			_ = c.Close()
			continue
		}
		return &conn{Conn: c, l: ln.l, s: s}, nil
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
	s    slot
	once sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.s) })
	return err
}
