package homer

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/hep/heptest"
	"github.com/argusrtc/argus/internal/testkit"
)

// receiver collects decoded HEP packets like heplify-server would.
type receiver struct {
	t       testing.TB
	addr    string
	pkts    chan *hep.Packet
	errs    chan error
	closeFn func()
}

func newUDPReceiver(t testing.TB) *receiver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A batch test sends up to three sendmmsg vectors back to back; on a
	// loaded machine the reader may not run before they are all queued,
	// and the default receive buffer (208 KiB, about 180 small datagrams
	// on loopback) would drop the tail. The kernel caps this at rmem_max.
	if err := pc.(*net.UDPConn).SetReadBuffer(4 << 20); err != nil {
		t.Fatal(err)
	}
	r := &receiver{t: t, addr: pc.LocalAddr().String(), pkts: make(chan *hep.Packet, 10000), errs: make(chan error, 100)}
	heptest.ServeUDP(t, pc, r.deliver)
	r.closeFn = func() { _ = pc.Close() }
	return r
}

// newTCPReceiver listens on addr ("127.0.0.1:0" for any port) and frames
// packets as heplify-server's TCP reader does: peek 6 bytes, read the total.
func newTCPReceiver(t testing.TB, addr string) *receiver {
	t.Helper()
	return newStreamReceiver(t, addr, nil)
}

// newStreamReceiver is newTCPReceiver, over TLS when cfg is set.
func newStreamReceiver(t testing.TB, addr string, cfg *tls.Config) *receiver {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port of a just-closed listener may need a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	r := &receiver{t: t, addr: ln.Addr().String(), pkts: make(chan *hep.Packet, 10000), errs: make(chan error, 100)}
	r.closeFn = testkit.ServeConns(ln, func(c net.Conn) {
		if err := heptest.ReadStream(c, r.deliver); err != nil {
			r.errs <- err
		}
	})
	t.Cleanup(r.close)
	return r
}

func (r *receiver) deliver(p *hep.Packet, err error) {
	if err != nil {
		r.errs <- err
		return
	}
	r.pkts <- p
}

func (r *receiver) close() {
	if r.closeFn != nil {
		r.closeFn()
		r.closeFn = nil
	}
}

// collect waits for n packets (at most 10 s) and fails on any decode error.
func (r *receiver) collect(n int) []*hep.Packet {
	r.t.Helper()
	var out []*hep.Packet
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case p := <-r.pkts:
			out = append(out, p)
		case err := <-r.errs:
			r.t.Fatalf("receiver: %v", err)
		case <-timeout:
			r.t.Fatalf("received %d packets, want %d", len(out), n)
		}
	}
	return out
}
