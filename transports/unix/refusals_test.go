package unix

import (
	"net"
	"strconv"
	"testing"

	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/refusaltest"
)

// TestRefusedConnectionsCounted: with MaxConns 2, the connections
// (SOCK_SEQPACKET) or datagram peers (SOCK_DGRAM) past the first two are
// refused and each counted under janus.transport.pfunix, reason "limit",
// as /metrics exports it; a datagram from an unbound socket is counted
// under "unbound". The served clients still work afterwards.
func TestRefusedConnectionsCounted(t *testing.T) {
	const maxConns, over = 2, 3
	for _, typ := range []string{SeqPacket, Dgram} {
		t.Run(typ, func(t *testing.T) {
			m := refusaltest.New(t)
			e := start(t, Config{Type: typ, MaxConns: maxConns, Refusals: m.Refusals.For(Package)}, false)
			for _, r := range []string{transports.ReasonLimit, transports.ReasonClosing, transports.ReasonUnbound} {
				m.Want(t, Package, r, 0)
			}
			var served []*client
			for i := range maxConns {
				served = append(served, e.join("c"+strconv.Itoa(i)))
			}
			for i := range over {
				e.refusedConn("r" + strconv.Itoa(i))
			}
			if typ == Dgram {
				e.unbound()
			}
			// The served clients still work; for datagrams, their answer
			// also means the refused datagrams, read before, were counted.
			for _, c := range served {
				c.send([]byte(`{"janus":"ping","transaction":"p"}`))
				if a := c.answer(); a["janus"] != "pong" {
					t.Fatalf("%s after the refusals: %v", c.name, a)
				}
			}
			m.Want(t, Package, transports.ReasonLimit, over)
			m.Want(t, Package, transports.ReasonClosing, 0)
			unbound := 0.0
			if typ == Dgram {
				unbound = 1
			}
			m.Want(t, Package, transports.ReasonUnbound, unbound)
		})
	}
}

// refusedConn opens one connection (sends one create from a new bound
// datagram peer) past MaxConns and checks it is not served: a
// SOCK_SEQPACKET connection is closed (counted before the close), a
// datagram peer gets no answer (refused, the wait only its read deadline).
func (e *env) refusedConn(name string) {
	e.t.Helper()
	if e.tr.cfg.Type == Dgram {
		e.refused(name)
		return
	}
	c := dial(e.t, e.path)
	if n, err := c.Read(make([]byte, 64)); err == nil && n > 0 {
		e.t.Fatalf("%s: connection past MaxConns served", name)
	}
}

// unbound sends a request from an unbound datagram socket, which has no
// address to be answered at.
func (e *env) unbound() {
	e.t.Helper()
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: e.path, Net: "unixgram"})
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(`{"janus":"ping","transaction":"u"}`)); err != nil {
		e.t.Fatal(err)
	}
}
