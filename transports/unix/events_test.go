package unix

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
	"github.com/argusrtc/argus/transports/internal/fakegw"
)

const (
	serverName = "argus-test" // the events' emitter
	waitLimit  = 10 * time.Second
)

// env is a transport under test with a recording emitter.
type env struct {
	t      *testing.T
	gw     *fakegw.Gateway
	hold   *holdGone // the Gateway, when TransportGone is held
	em     *telemetrytest.Emitter
	tr     *Transport
	cancel context.CancelFunc // ends the ctx Start got
	dir    string
	path   string
	admin  bool
}

// start starts a transport of cfg's Type and Admin (other fields kept)
// with an emitter; held makes TransportGone wait for env.hold.free.
func start(t *testing.T, cfg Config, held bool) *env {
	t.Helper()
	e := &env{t: t, gw: fakegw.New(), em: telemetrytest.NewEmitter(), dir: testkit.ShortTempDir(t, "argus-unix"), admin: cfg.Admin}
	e.path = filepath.Join(e.dir, "s")
	cfg.Gateway, cfg.Emitter, cfg.ServerName, cfg.Path = e.gw, e.em, serverName, e.path
	if held {
		e.hold = newHoldGone(e.gw)
		cfg.Gateway = e.hold
	}
	ctx, cancel := context.WithCancel(t.Context())
	tr, err := Start(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	e.tr, e.cancel = tr, cancel
	t.Cleanup(cancel)
	t.Cleanup(tr.Close)
	if held {
		t.Cleanup(e.hold.free) // before Close, which waits for the held calls
	}
	return e
}

// holdGone is a gateway whose TransportGone waits until free: it keeps a
// closing client, and so the datagram reaper, busy.
type holdGone struct {
	*fakegw.Gateway
	entered chan core.Client
	release chan struct{}
	free    func()
}

func newHoldGone(gw *fakegw.Gateway) *holdGone {
	h := &holdGone{Gateway: gw, entered: make(chan core.Client, 64), release: make(chan struct{})}
	h.free = sync.OnceFunc(func() { close(h.release) })
	return h
}

func (h *holdGone) TransportGone(c core.Client) {
	select {
	case h.entered <- c:
	default:
	}
	<-h.release
	h.Gateway.TransportGone(c)
}

// waitEntered waits until c's client is held in TransportGone.
func (h *holdGone) waitEntered(t *testing.T, c *client) {
	t.Helper()
	select {
	case got := <-h.entered:
		if got.Info().ConnID != c.connID {
			t.Fatalf("TransportGone of %d, want %s's %d", got.Info().ConnID, c.name, c.connID)
		}
	case <-time.After(waitLimit):
		t.Fatalf("%s's client never closed", c.name)
	}
}

// client is a client of the socket: a SOCK_SEQPACKET connection or a
// bound SOCK_DGRAM peer socket, with the session its create made.
type client struct {
	e       *env
	name    string
	conn    *net.UnixConn
	session core.SessionID
	connID  uint64 // the transport's ConnID of it
}

// join connects a client (binds a peer socket named name) and creates a
// session with transaction name.
func (e *env) join(name string) *client {
	e.t.Helper()
	var conn *net.UnixConn
	var err error
	if e.tr.cfg.Type == Dgram {
		conn, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(e.dir, name), Net: "unixgram"})
	} else {
		conn, err = net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: e.path, Net: "unixpacket"})
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(waitLimit))
	c := &client{e: e, name: name, conn: conn}
	c.send([]byte(`{"janus":"create","transaction":"` + name + `"}`))
	m := c.answer()
	data, _ := m["data"].(map[string]any)
	id, _ := data["id"].(float64)
	if m["janus"] != "success" || m["transaction"] != name || id == 0 {
		e.t.Fatalf("%s: create: %v", name, m)
	}
	c.session = core.SessionID(id)
	src, ok := e.gw.Source(c.session)
	if !ok {
		e.t.Fatalf("%s: no source of session %d", name, c.session)
	}
	c.connID = src.Info().ConnID
	return c
}

// send writes one request (one packet or datagram).
func (c *client) send(raw []byte) {
	c.e.t.Helper()
	var err error
	if c.e.tr.cfg.Type == Dgram {
		_, err = c.conn.WriteToUnix(raw, &net.UnixAddr{Name: c.e.path, Net: "unixgram"})
	} else {
		_, err = c.conn.Write(raw)
	}
	if err != nil {
		c.e.t.Fatalf("%s: send: %v", c.name, err)
	}
}

// answer reads one message and decodes it.
func (c *client) answer() map[string]any {
	c.e.t.Helper()
	got := read(c.e.t, c.conn)
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		c.e.t.Fatalf("%s: %q: %v", c.name, got, err)
	}
	return m
}

// closeSocket closes the client's socket; a datagram peer's file is
// removed too.
func (c *client) closeSocket() {
	_ = c.conn.Close()
	if c.e.tr.cfg.Type == Dgram {
		_ = os.Remove(filepath.Join(c.e.dir, c.name))
	}
}

// leave closes the client's socket. A datagram peer's departure shows
// when a message to it fails: leave pushes an event to its session and
// returns once that send failed (the transport counts it dropped after
// it forgot the peer).
func (c *client) leave() {
	c.e.t.Helper()
	c.closeSocket()
	if c.e.tr.cfg.Type != Dgram {
		return
	}
	before := c.e.tr.Dropped()
	if !c.e.gw.Push(c.session, `{"janus":"event","session_id":`+strconv.FormatUint(uint64(c.session), 10)+`}`) {
		c.e.t.Fatalf("%s: no session to push to", c.name)
	}
	for deadline := time.Now().Add(waitLimit); c.e.tr.Dropped() == before; {
		if time.Now().After(deadline) {
			c.e.t.Fatalf("%s: the push to the departed peer never failed", c.name)
		}
		time.Sleep(time.Millisecond)
	}
}

// isDisconnected matches c's "disconnected" event.
func isDisconnected(c *client) func(*telemetry.Event) bool {
	id := strconv.FormatUint(c.connID, 10)
	return func(ev *telemetry.Event) bool {
		b, ok := ev.Body.(telemetry.TransportBody)
		d, _ := b.Data.(telemetry.TransportData)
		return ok && b.ID == id && d.Event == "disconnected"
	}
}

// waitDisconnected waits for c's "disconnected" event.
func (e *env) waitDisconnected(c *client) {
	e.t.Helper()
	if _, err := e.em.WaitFor(isDisconnected(c), waitLimit); err != nil {
		e.t.Fatalf("%s: no disconnected: %v", c.name, err)
	}
}

// closeConcurrently runs Close on a goroutine of its own; the returned
// channel is closed once Close returned.
func (e *env) closeConcurrently() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.tr.Close()
	}()
	return done
}

// waitClosed waits for the channel of closeConcurrently.
func (e *env) waitClosed(done <-chan struct{}) {
	e.t.Helper()
	select {
	case <-done:
	case <-time.After(waitLimit):
		e.t.Fatal("Close did not return")
	}
}

// waitCancelled waits until the transport's context is done (Close began).
func (e *env) waitCancelled() {
	e.t.Helper()
	select {
	case <-e.tr.ctx.Done():
	case <-time.After(waitLimit):
		e.t.Fatal("transport context never cancelled")
	}
}

// checkEvents checks every type 128 event recorded: for each of cs, one
// "connected" with the socket's data, then one "disconnected"; none of any
// other connection.
func (e *env) checkEvents(cs ...*client) {
	e.t.Helper()
	byID := map[string][]telemetry.TransportData{}
	for _, ev := range e.em.Events() {
		b, ok := ev.Body.(telemetry.TransportBody)
		d, dok := b.Data.(telemetry.TransportData)
		if ev.Type != telemetry.TypeTransport || !ok || !dok || ev.Emitter != serverName || b.Transport != Package ||
			b.Remote.IsValid() || b.Local.IsValid() {
			e.t.Errorf("event %+v", ev)
			continue
		}
		byID[b.ID] = append(byID[b.ID], d)
	}
	want := []telemetry.TransportData{
		{Event: "connected", AdminAPI: telemetry.Ptr(e.admin), Path: e.path},
		{Event: "disconnected"},
	}
	if e.tr.cfg.Type == Dgram {
		want[0].Type = Dgram // as Janus 1.1.2 (test/janusref)
	}
	for _, c := range cs {
		id := strconv.FormatUint(c.connID, 10)
		if got := byID[id]; !reflect.DeepEqual(got, want) {
			e.t.Errorf("%s (id %s): events %s, want %s", c.name, id, dataJSON(got), dataJSON(want))
		}
		delete(byID, id)
	}
	for id, ds := range byID {
		e.t.Errorf("events of an unknown connection %s: %s", id, dataJSON(ds))
	}
}

func dataJSON(ds []telemetry.TransportData) string {
	b, _ := json.Marshal(ds)
	return string(b)
}

// checkGone checks that TransportGone was called once for each of cs and
// for no other client (it reads what gw.Gone delivered so far).
func (e *env) checkGone(cs ...*client) {
	e.t.Helper()
	got := map[uint64]int{}
	for more := true; more; {
		select {
		case c := <-e.gw.Gone():
			got[c.Info().ConnID]++
		default:
			more = false
		}
	}
	for _, c := range cs {
		if got[c.connID] != 1 {
			e.t.Errorf("%s: TransportGone %d times, want 1", c.name, got[c.connID])
		}
		delete(got, c.connID)
	}
	if len(got) > 0 {
		e.t.Errorf("TransportGone of unknown clients: %v", got)
	}
}

// TestTransportEvents: each connection (datagram peer) of either socket
// type, Janus or Admin API, emits one "connected" with the socket's path
// and API, and one "disconnected" when it goes away and when the transport
// ends (Close, or the context Start got), each with TransportGone once.
func TestTransportEvents(t *testing.T) {
	for _, typ := range []string{SeqPacket, Dgram} {
		for _, admin := range []bool{false, true} {
			for _, end := range []string{"Close", "ctx"} {
				t.Run(fmt.Sprintf("%s/admin=%v/%s", typ, admin, end), func(t *testing.T) {
					e := start(t, Config{Type: typ, Admin: admin}, false)
					a, b := e.join("a"), e.join("b")
					for _, call := range e.gw.Calls() {
						if call.Admin != admin || call.Info.Admin != admin || call.Info.Package != Package ||
							call.Info.RemoteIP != e.path || call.Info.LocalIP != e.path {
							t.Fatalf("call %+v", call)
						}
					}
					if a.connID == b.connID {
						t.Fatalf("a and b share the id %d", a.connID)
					}
					evs := e.em.Events()
					if len(evs) != 2 {
						t.Fatalf("%d events after two joins, want the two connected", len(evs))
					}
					js, err := evs[0].MarshalJSON()
					path, _ := json.Marshal(e.path)
					// As Janus 1.1.2 (test/janusref): a datagram peer's
					// event also names the socket type.
					extra := ""
					if typ == Dgram {
						extra = `,"type":"SOCK_DGRAM"`
					}
					want := fmt.Sprintf(`"event":{"transport":"janus.transport.pfunix","id":"%d","data":{"event":"connected","admin_api":%v,"path":%s%s}}`,
						a.connID, admin, path, extra)
					if err != nil || !strings.Contains(string(js), want) || !strings.Contains(string(js), `"emitter":"`+serverName+`"`) {
						t.Fatalf("connected JSON %s (%v), want %s", js, err, want)
					}
					a.leave()
					e.waitDisconnected(a)
					if end == "ctx" {
						e.cancel()
						e.waitDisconnected(b)
					}
					e.tr.Close() // when the ctx ended: emits nothing more
					e.checkEvents(a, b)
					e.checkGone(a, b)
				})
			}
		}
	}
}

// ping is a ping request of exactly n bytes (n >= 33).
func ping(n int) []byte {
	const head, tail = `{"janus":"ping","transaction":"`, `"}`
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

// TestDatagramOversizedRequest: a datagram over MaxMessage gets the 454
// answer and never reaches the core; the peer stays the same client, and
// a request of exactly MaxMessage bytes is answered.
func TestDatagramOversizedRequest(t *testing.T) {
	const limit = 64
	for _, admin := range []bool{false, true} {
		for _, size := range []int{limit + 1, 8 << 10} {
			t.Run(fmt.Sprintf("admin=%v/%d", admin, size), func(t *testing.T) {
				e := start(t, Config{Type: Dgram, Admin: admin, MaxMessage: limit}, false)
				p := e.join("p")
				p.send(ping(size))
				m := p.answer()
				errObj, _ := m["error"].(map[string]any)
				if m["janus"] != "error" || errObj["code"] != float64(454) || errObj["reason"] != "Request payload too large" {
					t.Fatalf("oversized: %v", m)
				}
				req := ping(limit)
				p.send(req)
				var want map[string]any
				if err := json.Unmarshal(req, &want); err != nil {
					t.Fatal(err)
				}
				if m := p.answer(); m["janus"] != "pong" || m["transaction"] != want["transaction"] {
					t.Fatalf("after the oversized request: %v", m)
				}
				if calls := e.gw.Calls(); len(calls) != 2 {
					t.Fatalf("%d calls, want 2 (create, ping): %+v", len(calls), calls)
				}
				e.tr.Close()
				e.checkEvents(p) // one client throughout
				e.checkGone(p)
			})
		}
	}
}

// waitGoroutineIn waits until some goroutine's stack holds fn (a
// function name as runtime.Stack prints it).
func waitGoroutineIn(t *testing.T, fn string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(waitLimit); ; {
		if n := runtime.Stack(buf, true); strings.Contains(string(buf[:n]), fn) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine in %s", fn)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestDatagramPeerGoneWhileClosing: a datagram peer whose socket goes away
// while the transport closes is ended once, whichever of the reaper and
// Close sees it: "disconnected" and TransportGone exactly once.
func TestDatagramPeerGoneWhileClosing(t *testing.T) {
	t.Run("queued when Close begins", func(t *testing.T) {
		// The reaper is busy closing x when y departs, so y waits in the
		// reaper's queue when Close cancels the transport.
		e := start(t, Config{Type: Dgram}, true)
		x, y := e.join("x"), e.join("y")
		x.leave()
		e.hold.waitEntered(t, x)
		y.leave()
		done := e.closeConcurrently()
		e.waitCancelled()
		e.hold.free()
		e.waitClosed(done)
		e.checkEvents(x, y)
		e.checkGone(x, y)
	})
	t.Run("noticed as Close begins", func(t *testing.T) {
		// The send to departed y failed before Close and y's writer waits
		// for the transport's lock; Close cancels the transport meanwhile.
		e := start(t, Config{Type: Dgram}, false)
		y := e.join("y")
		y.closeSocket()
		e.tr.mu.Lock()
		unlock := sync.OnceFunc(e.tr.mu.Unlock)
		defer unlock()
		e.gw.Push(y.session, `{"janus":"event"}`)
		waitGoroutineIn(t, "unix.(*Transport).unpeer(")
		done := e.closeConcurrently()
		e.waitCancelled()
		unlock()
		e.waitClosed(done)
		e.checkEvents(y)
		e.checkGone(y)
	})
	t.Run("pushes racing Close", func(t *testing.T) {
		for i := range 20 {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				e := start(t, Config{Type: Dgram}, false)
				ps := []*client{e.join("p0"), e.join("p1"), e.join("p2")}
				for _, p := range ps {
					p.closeSocket()
				}
				pushed := make(chan struct{})
				go func() {
					defer close(pushed)
					for _, p := range ps {
						e.gw.Push(p.session, `{"janus":"event"}`)
					}
				}()
				e.tr.Close()
				<-pushed
				e.checkEvents(ps...)
				e.checkGone(ps...)
			})
		}
	})
}

// TestDatagramDeparturesWhileReaperBusy: peers that go away while the
// reaper is still closing an earlier one are each ended once it is done;
// one waiting for the reaper still counts against MaxConns (1 here), so a
// new peer is refused until the reaper took it, and what waits stays
// within MaxConns however fast peers come and go.
func TestDatagramDeparturesWhileReaperBusy(t *testing.T) {
	e := start(t, Config{Type: Dgram, MaxConns: 1}, true)
	x := e.join("x")
	x.leave()
	e.hold.waitEntered(t, x) // the reaper is closing x, and stays there
	y := e.join("y")
	y.leave() // y waits for the reaper
	e.refused("z")
	e.hold.free()
	e.waitDisconnected(y)
	z := e.join("z2")
	z.leave()
	e.waitDisconnected(z)
	e.tr.Close()
	e.checkEvents(x, y, z)
	e.checkGone(x, y, z)
}

// refused sends a create from a new datagram peer and expects no answer:
// the transport refused the peer (MaxConns). The wait is the read
// deadline of a refused peer, not a measure of anything.
func (e *env) refused(name string) {
	e.t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(e.dir, name), Net: "unixgram"})
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = conn.Close(); _ = os.Remove(filepath.Join(e.dir, name)) }()
	if _, err := conn.WriteToUnix([]byte(`{"janus":"create","transaction":"`+name+`"}`), &net.UnixAddr{Name: e.path, Net: "unixgram"}); err != nil {
		e.t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 4096)
	if n, err := conn.Read(buf); err == nil {
		e.t.Fatalf("%s: answered %q past MaxConns", name, buf[:n])
	}
}
