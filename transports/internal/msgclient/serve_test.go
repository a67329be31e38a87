package msgclient

import (
	"bufio"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/fakegw"
	"github.com/argusrtc/argus/transports/internal/refusaltest"
)

// linesPackage is the test transport's name, registered so that its
// refusals are exported as a real transport's.
const linesPackage = "janus.transport.lines"

func init() {
	transports.Register(transports.Registration{Package: linesPackage,
		Refuses: []string{transports.ReasonLimit, transports.ReasonClosing}})
}

// lines is a newline-delimited framing, the example of ServeConfig.
func lines(conn net.Conn) func() ([]byte, error) {
	sc := bufio.NewScanner(conn)
	return func() ([]byte, error) {
		if sc.Scan() {
			return sc.Bytes(), nil
		}
		if sc.Err() != nil {
			return nil, sc.Err()
		}
		return nil, net.ErrClosed
	}
}

func writeLine(conn net.Conn, msg []byte) error {
	_, err := conn.Write(append(msg, '\n'))
	return err
}

type lineConn struct {
	t *testing.T
	net.Conn
	r *bufio.Reader
}

func dialLines(t *testing.T, addr net.Addr) *lineConn {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &lineConn{t: t, Conn: c, r: bufio.NewReader(c)}
}

// ask sends one line and returns the answer line decoded.
func (c *lineConn) ask(req string) map[string]any {
	c.t.Helper()
	if _, err := c.Write([]byte(req + "\n")); err != nil {
		c.t.Fatal(err)
	}
	line, err := c.r.ReadBytes('\n')
	if err != nil {
		c.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		c.t.Fatalf("%q: %v", line, err)
	}
	return m
}

func startLines(t *testing.T, gw *fakegw.Gateway, em telemetry.Emitter, maxConns int) *Server {
	t.Helper()
	return startLinesCounted(t, gw, em, maxConns, nil)
}

func startLinesCounted(t *testing.T, gw *fakegw.Gateway, em telemetry.Emitter, maxConns int, refused *transports.RefusalCounter) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Serve(t.Context(), ln, ServeConfig{
		Client: Config{Gateway: gw, Info: core.TransportInfo{Package: linesPackage},
			MaxMessage: 64, Emitter: em, ServerName: "srv"},
		MaxConns: maxConns, NewReader: lines, Write: writeLine, Refusals: refused,
	})
	t.Cleanup(s.Close)
	return s
}

// transportEvents are the type 128 events em recorded, as data by event.
func transportEvents(em *telemetrytest.Emitter) map[string]telemetry.TransportBody {
	out := map[string]telemetry.TransportBody{}
	for _, ev := range em.Events() {
		if b, ok := ev.Body.(telemetry.TransportBody); ok {
			out[b.Data.(telemetry.TransportData).Event] = b
		}
	}
	return out
}

func TestServeFramesRequestsAndEmitsConnectionEvents(t *testing.T) {
	gw, em := fakegw.New(), telemetrytest.NewEmitter()
	s := startLines(t, gw, em, 0)
	c := dialLines(t, s.Addr())
	if m := c.ask(`{"janus":"create","transaction":"a"}`); m["janus"] != "success" || m["transaction"] != "a" {
		t.Fatalf("create: %v", m)
	}
	if m := c.ask(`not json`); m["janus"] != "error" {
		t.Fatalf("invalid JSON: %v", m)
	}
	if m := c.ask(`{"janus":"create","transaction":"` + strings.Repeat("x", 64) + `"}`); !strings.Contains(m["error"].(map[string]any)["reason"].(string), "too large") {
		t.Fatalf("oversized: %v", m)
	}
	calls := gw.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls %d, want 1 (invalid and oversized requests never reach the core)", len(calls))
	}
	info := calls[0].Info
	local := c.LocalAddr().(*net.TCPAddr)
	if info.Package != linesPackage || info.ConnID == 0 || info.RemoteIP != "127.0.0.1" || info.RemotePort != local.Port {
		t.Fatalf("info %+v, client at %v", info, local)
	}
	connected := transportEvents(em)["connected"]
	if d := connected.Data.(telemetry.TransportData); d.IP != "127.0.0.1" || d.Port != local.Port || d.AdminAPI == nil || *d.AdminAPI {
		t.Fatalf("connected %+v", d)
	}
	_ = c.Close()
	select {
	case gone := <-gw.Gone():
		if gone.Info().ConnID != info.ConnID {
			t.Fatalf("gone %+v", gone.Info())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("TransportGone not called")
	}
	if _, err := em.WaitFor(func(ev *telemetry.Event) bool {
		b, ok := ev.Body.(telemetry.TransportBody)
		return ok && b.Data.(telemetry.TransportData).Event == "disconnected" && b.ID == connected.ID
	}, 10*time.Second); err != nil {
		t.Fatalf("disconnected: %v", err)
	}
}

func TestServeBoundsConnectionsAndCloseEndsThem(t *testing.T) {
	gw := fakegw.New()
	s := startLines(t, gw, nil, 1)
	c := dialLines(t, s.Addr())
	if m := c.ask(`{"janus":"ping","transaction":"p"}`); m["transaction"] != "p" {
		t.Fatalf("ping: %v", m)
	}
	// A second connection is over MaxConns 1: closed at once.
	c2 := dialLines(t, s.Addr())
	if n, err := c2.Read(make([]byte, 16)); err == nil && n > 0 {
		t.Fatal("second connection served")
	}
	s.Close()
	if _, err := c.r.ReadByte(); err == nil {
		t.Fatal("connection open after Close")
	}
	select {
	case <-gw.Gone():
	default:
		t.Fatal("Close returned before TransportGone")
	}
	s.Close() // idempotent
}

// TestServeCountsRefusedConnections: with MaxConns 2, two connections
// are served and the next three are closed at accept, each counted under
// reason "limit" (read from a Prometheus registry, as /metrics shows it);
// the served ones still work.
func TestServeCountsRefusedConnections(t *testing.T) {
	const maxConns, over = 2, 3
	m := refusaltest.New(t)
	s := startLinesCounted(t, fakegw.New(), nil, maxConns, m.Refusals.For(linesPackage))
	m.Want(t, linesPackage, transports.ReasonLimit, 0)
	m.Want(t, linesPackage, transports.ReasonClosing, 0)
	var served []*lineConn
	for i := range maxConns {
		c := dialLines(t, s.Addr())
		if r := c.ask(`{"janus":"ping","transaction":"p` + strconv.Itoa(i) + `"}`); r["janus"] != "pong" {
			t.Fatalf("connection %d: %v", i, r)
		}
		served = append(served, c)
	}
	for i := range over {
		// Counted before the close the client sees.
		c := dialLines(t, s.Addr())
		if n, err := c.Read(make([]byte, 16)); err == nil && n > 0 {
			t.Fatalf("connection %d over MaxConns served", maxConns+i)
		}
	}
	m.Want(t, linesPackage, transports.ReasonLimit, over)
	m.Want(t, linesPackage, transports.ReasonClosing, 0)
	for i, c := range served {
		if r := c.ask(`{"janus":"ping","transaction":"q"}`); r["janus"] != "pong" {
			t.Fatalf("served connection %d after the refusals: %v", i, r)
		}
	}
}

func TestServePathIsTheAddress(t *testing.T) {
	gw, em := fakegw.New(), telemetrytest.NewEmitter()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Serve(t.Context(), ln, ServeConfig{
		Client: Config{Gateway: gw, Admin: true, Info: core.TransportInfo{Package: "janus.transport.pfunix"}, Emitter: em},
		Path:   "/run/janus.sock", NewReader: lines, Write: writeLine,
	})
	defer s.Close()
	c := dialLines(t, s.Addr())
	if m := c.ask(`{"janus":"ping","transaction":"p"}`); m["transaction"] != "p" {
		t.Fatalf("ping: %v", m)
	}
	calls := gw.Calls()
	if len(calls) != 1 || !calls[0].Admin || calls[0].Info.RemoteIP != "/run/janus.sock" || calls[0].Info.LocalIP != "/run/janus.sock" || !calls[0].Info.Admin {
		t.Fatalf("calls %+v", calls)
	}
	d := transportEvents(em)["connected"].Data.(telemetry.TransportData)
	if d.Path != "/run/janus.sock" || d.IP != "" || d.AdminAPI == nil || !*d.AdminAPI {
		t.Fatalf("connected %+v", d)
	}
}
