package webrtc

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

// TestSharedPortInInfoAndEvents: two PeerConnections of one engine show
// the engine's one port in what users see: the Admin API's local
// candidates and selected pair, and the selected-pair event.
func TestSharedPortInInfoAndEvents(t *testing.T) {
	rec := &recorder{}
	eng, err := NewEngine(Config{
		ServerName: "test", Emitter: rec, IncludeLoopback: true, SharedUDP: true, ICEEnforceList: testkit.LoopbackICE(),
		StatsPeriod: 100 * time.Millisecond, NoMediaTimer: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	port, _, ok := eng.SharedUDP()
	if !ok {
		t.Fatal("no shared port")
	}
	local := ":" + strconv.Itoa(port) + " [host,udp] <-> "
	for i := range 2 {
		peer := newPeer(t, eng, PeerParams{SessionID: 30, HandleID: uint64(40 + i)})
		connect(t, peer)
		testkit.Until(t, 10*time.Second, "a selected pair", func() bool {
			ice, _ := peer.Info()["webrtc"].(map[string]any)["ice"].(map[string]any)
			s, _ := ice["selected-pair"].(string)
			return s != ""
		})
		ice := peer.Info()["webrtc"].(map[string]any)["ice"].(map[string]any)
		if s := ice["selected-pair"].(string); !strings.Contains(s, local) {
			t.Errorf("peer %d: selected pair %q, want the local side on port %d", i, s, port)
		}
		cands, _ := ice["local-candidates"].([]string)
		if len(cands) == 0 {
			t.Errorf("peer %d: no local candidates in %v", i, ice)
		}
		for _, c := range cands {
			if f := strings.Fields(c); len(f) < 6 || f[5] != strconv.Itoa(port) {
				t.Errorf("peer %d: local candidate %q not on port %d", i, c, port)
			}
		}
	}
	pairs := rec.find(telemetry.TypeWebRTC, 4, func(b map[string]any) bool {
		s, _ := b["selected-pair"].(string)
		return strings.Contains(s, local)
	})
	if len(pairs) != 2 {
		t.Errorf("%d selected-pair events with the local side on port %d, want 2", len(pairs), port)
	}
}

// TestEnginePortModes: by default every PeerConnection gathers its own
// socket (two PeerConnections, two ports; no shared port); SharedUDP puts
// both on one port; a shared port with a port range, or ICEUDPPort alone,
// is refused.
func TestEnginePortModes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		shared  bool
		wantErr error
	}{
		{name: "default", cfg: Config{}},
		{name: "shared", cfg: Config{SharedUDP: true}, shared: true},
		{name: "shared with a range", cfg: Config{SharedUDP: true, ICEPortMin: 40000, ICEPortMax: 40010}, wantErr: ErrPortConfig},
		{name: "port without SharedUDP", cfg: Config{ICEUDPPort: 40000}, wantErr: ErrPortConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.IncludeLoopback = true
			eng := checkEngine(t, tc.cfg, tc.wantErr, tc.shared)
			if eng == nil {
				return
			}
			var ports [2]map[string]bool
			for i := range ports {
				ports[i] = map[string]bool{}
				for _, f := range answerCandidates(t, eng) {
					ports[i][f[5]] = true
				}
			}
			for p := range ports[1] {
				if ports[0][p] != tc.shared {
					t.Errorf("second PeerConnection on port %s, first on %v: want shared %v", p, ports[0], tc.shared)
				}
			}
		})
	}
}

// TestSharedUDPStartChecks: with no local address at start, a fixed
// ICEUDPPort is an error (a socket per PeerConnection would use ports
// nobody published) while an ephemeral one falls back with a warning; a
// port on loopback only is warned about, one reachable from elsewhere is
// not; the bound addresses are reported.
func TestSharedUDPStartChecks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		enforce  []string
		port     uint16
		loopback bool
		wantErr  error
		shared   bool
		warn     string // in the log; "" none of the two below
	}{
		{name: "fixed port, no address", enforce: []string{"203.0.113.77"}, port: freeUDPPort(t), wantErr: ErrNoSharedAddress},
		{name: "ephemeral port, no address", enforce: []string{"203.0.113.77"}, warn: "no local address for the shared ICE UDP port"},
		{name: "loopback only", enforce: testkit.LoopbackICE(), loopback: true, shared: true, warn: "on loopback addresses only"},
		{name: "not loopback", enforce: nil, shared: true}, // the host's first IPv4 address that is not loopback
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.enforce == nil {
				a := hostAddr(t)
				if a == "" {
					t.Skip("this host has no IPv4 address but loopback")
				}
				tc.enforce = []string{a}
			}
			var buf bytes.Buffer
			eng := checkEngine(t, Config{SharedUDP: true, ICEUDPPort: tc.port, IncludeLoopback: tc.loopback,
				ICEEnforceList: tc.enforce, Logger: slog.New(slog.NewTextHandler(&buf, nil))}, tc.wantErr, tc.shared)
			if eng == nil {
				return
			}
			if addrs := eng.SharedUDPAddrs(); (len(addrs) > 0) != tc.shared {
				t.Errorf("SharedUDPAddrs = %v with shared %v", addrs, tc.shared)
			}
			log := buf.String()
			for _, w := range []string{"no local address for the shared ICE UDP port", "on loopback addresses only"} {
				if got := strings.Contains(log, w); got != (w == tc.warn) {
					t.Errorf("warned %q: %v, want %v; log %q", w, got, w == tc.warn, log)
				}
			}
		})
	}
}

// checkEngine makes an Engine of cfg, closed when the test ends, and checks
// that NewEngine failed with wantErr (then it returns nil) or that the
// Engine has a shared port exactly when shared.
func checkEngine(t *testing.T, cfg Config, wantErr error, shared bool) *Engine {
	t.Helper()
	eng, err := NewEngine(cfg)
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("NewEngine = %v, want %v", err, wantErr)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	if _, _, ok := eng.SharedUDP(); ok != shared {
		t.Fatalf("SharedUDP ok = %v, want %v", ok, shared)
	}
	return eng
}

// freeUDPPort is a UDP port free on loopback a moment ago.
func freeUDPPort(t *testing.T) uint16 {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

// hostAddr is the host's first IPv4 address that is neither loopback nor
// link-local, "" when there is none.
func hostAddr(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}
