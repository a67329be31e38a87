package webrtc

import (
	"errors"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

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

// TestSharedPortGathersAsPion: the shared port's answer advertises the
// same addresses as a socket per PeerConnection, with and without
// nat_1_1_mapping (then the public IPv4 address instead of every local
// IPv4 one), all on the shared port.
func TestSharedPortGathersAsPion(t *testing.T) {
	const public = "192.0.2.7"
	for _, nat := range [][]string{nil, {public}} {
		addrs := answerAddrsBothModes(t, Config{Emitter: telemetry.Discard, IncludeLoopback: true, NAT1To1IPs: nat},
			func(ip string) bool { return nat == nil || net.ParseIP(ip).To4() == nil || ip == public })
		if !maps.Equal(addrs["shared port"], addrs["port range"]) {
			t.Errorf("nat %v: candidate addresses: shared port %v, port range %v", nat, addrs["shared port"], addrs["port range"])
		}
		if nat != nil && !addrs["shared port"][public] {
			t.Errorf("no candidate with %s: %v", public, addrs["shared port"])
		}
	}
}

// answerAddrsBothModes is answerAddrs on an engine of cfg with the shared
// port and on one with a socket per PeerConnection (a port range), by mode.
// The engines gather at different times: when the host's addresses
// changed meanwhile (test/janusref adds and deletes a veth pair while
// other packages run), it gathers both again, at most three times.
func answerAddrsBothModes(t *testing.T, cfg Config, ok func(ip string) bool) map[string]map[string]bool {
	t.Helper()
	shared, perPC := cfg, cfg
	shared.SharedUDP = true
	perPC.ICEPortMin, perPC.ICEPortMax = 40000, 40999
	for attempt := 1; ; attempt++ {
		before := localAddrs()
		addrs := map[string]map[string]bool{
			"shared port": answerAddrs(t, shared, "shared port", ok),
			"port range":  answerAddrs(t, perPC, "port range", ok),
		}
		if slices.Equal(before, localAddrs()) || attempt == 3 {
			return addrs
		}
		t.Logf("the host's addresses changed while gathering: again")
	}
}

// answerAddrs answers an audio offer on an engine of cfg and returns the
// addresses of its candidates, checking each is a host candidate accepted
// by ok and, with a shared port, on that port.
func answerAddrs(t *testing.T, cfg Config, mode string, ok func(ip string) bool) map[string]bool {
	t.Helper()
	eng, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	port, _, shared := eng.SharedUDP()
	if shared != cfg.SharedUDP {
		t.Fatalf("%s: shared port %v", mode, shared)
	}
	addrs := map[string]bool{}
	for _, f := range answerCandidates(t, eng) {
		addrs[f[4]] = true
		if f[7] != "host" || !ok(f[4]) || (shared && f[5] != strconv.Itoa(port)) {
			t.Errorf("%s: candidate %q unexpected (shared port %d)", mode, f, port)
		}
	}
	return addrs
}

// answerCandidates answers an audio offer on a new PeerConnection of eng
// and returns the fields of its a=candidate lines (address at 4, port at
// 5, type at 7).
func answerCandidates(t *testing.T, eng *Engine) [][]string {
	t.Helper()
	peer := newPeer(t, eng, PeerParams{})
	if err := peer.SetRemoteDescription(ctxT(t), "offer", validOffer(t, pion.RTPCodecTypeAudio)); err != nil {
		t.Fatal(err)
	}
	answer, err := peer.CreateAnswer(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var cands [][]string
	for _, line := range strings.Split(answer, "\n") {
		if f := strings.Fields(line); len(f) >= 8 && strings.HasPrefix(f[0], "a=candidate:") {
			cands = append(cands, f)
		}
	}
	if len(cands) == 0 {
		t.Fatalf("no candidates in %s", answer)
	}
	return cands
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
			eng, err := NewEngine(tc.cfg)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("NewEngine = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = eng.Close() })
			if _, _, ok := eng.SharedUDP(); ok != tc.shared {
				t.Fatalf("SharedUDP ok = %v, want %v", ok, tc.shared)
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
