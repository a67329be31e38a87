package main

import (
	"encoding/json"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// freePortRange returns a UDP port range of n ports starting at one the OS
// just handed out, so it is unlikely to collide with other tests.
func freePortRange(t *testing.T, n int) (lo, hi int) {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lo = c.LocalAddr().(*net.UDPAddr).Port
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	hi = min(lo+n-1, 65535)
	return lo, hi
}

// idOf reads data.id of a Janus success.
func idOf(t *testing.T, m map[string]any) uint64 {
	t.Helper()
	data, _ := m["data"].(map[string]any)
	id, ok := data["id"].(float64)
	if m["janus"] != "success" || !ok || id <= 0 {
		t.Fatalf("want a success with data.id, got %v", m)
	}
	return uint64(id)
}

// TestServerRTPPortRange offers to EchoTest through the HTTP transport and
// checks that every candidate of Argus's answer (half trickle: the answer
// carries them all) uses a port of -rtp-port-range.
func TestServerRTPPortRange(t *testing.T) {
	lo, hi := freePortRange(t, 20)
	a := startTestServer(t, "-rtp-port-range", fmt.Sprintf("%d-%d", lo, hi))
	cands := echoAnswerPorts(t, a)
	t.Logf("range %d-%d, candidates %v", lo, hi, cands)
	if _, body := get(t, a["admin"]+"/metrics"); strings.Contains(body, "argus_ice_udp_") {
		t.Error("shared-port metrics on /metrics with -rtp-port-range")
	}
	for c, port := range cands {
		if port < lo || port > hi {
			t.Errorf("candidate %q: port %d outside %d-%d", c, port, lo, hi)
		}
	}
}

// TestServerICEPorts: by default every PeerConnection's candidates are on
// one shared port, ephemeral unless -ice-udp-port names it, and /metrics
// has the argus_ice_udp_* counters; -ice-udp-shared=false gives every
// PeerConnection its own socket (two PeerConnections, two ports), as in
// Janus, and no such counters.
func TestServerICEPorts(t *testing.T) {
	fixed, _ := freePortRange(t, 1)
	for _, tc := range []struct {
		name   string
		args   []string
		shared bool
		want   int // with shared: the port, 0 for any one port
	}{
		{"default", nil, true, 0},
		{"-ice-udp-port", []string{"-ice-udp-port", strconv.Itoa(fixed)}, true, fixed},
		{"-ice-udp-shared=false", []string{"-ice-udp-shared=false"}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startTestServer(t, tc.args...)
			first, second := echoAnswerPorts(t, a), echoAnswerPorts(t, a)
			_, body := get(t, a["admin"]+"/metrics")
			// The overview dashboard's "Shared UDP port" panel reads the
			// four drop counters (the dashboards package's own gateway has
			// no shared port, so they are checked here).
			for _, m := range []string{"argus_ice_udp_send_calls_total", "argus_ice_udp_receive_overflow_packets_total",
				"argus_ice_udp_send_dropped_packets_total", "argus_ice_udp_unrouted_packets_total", "argus_ice_udp_address_moves_total"} {
				if metrics := strings.Contains(body, m); metrics != tc.shared {
					t.Errorf("%s on /metrics: %v, want %v", m, metrics, tc.shared)
				}
			}
			if gauge := strings.Contains(body, "argus_ice_udp_receive_buffer_bytes"); runtime.GOOS == "linux" && gauge != tc.shared {
				t.Errorf("argus_ice_udp_receive_buffer_bytes on /metrics: %v, want %v", gauge, tc.shared)
			}
			if !tc.shared {
				seen := map[int]bool{}
				for _, port := range first {
					seen[port] = true
				}
				for c, port := range second {
					if seen[port] {
						t.Errorf("second PeerConnection's candidate %q on port %d of the first's %v", c, port, first)
					}
				}
				return
			}
			want := tc.want
			if want == 0 {
				for _, port := range first {
					want = port
					break
				}
			}
			if want == 0 {
				t.Fatal("no candidate in the first answer")
			}
			for _, cands := range []map[string]int{first, second} {
				for c, port := range cands {
					if port != want {
						t.Errorf("candidate %q: port %d, want %d for every PeerConnection", c, port, want)
					}
				}
			}
		})
	}
}

// echoAnswerPorts opens an EchoTest PeerConnection on the server a and
// returns the ports of the candidates in Argus's answer.
func echoAnswerPorts(t *testing.T, a map[string]string) map[string]int {
	t.Helper()
	se := pion.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	me := &pion.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	pc, err := pion.NewAPI(pion.WithSettingEngine(se), pion.WithMediaEngine(me)).NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(pion.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(10 * time.Second):
		t.Fatal("client ICE gathering did not complete")
	}

	base := a["http"] + "/janus"
	sid := idOf(t, post(t, base, `{"janus":"create","transaction":"c"}`))
	sURL := base + "/" + strconv.FormatUint(sid, 10)
	hid := idOf(t, post(t, sURL, `{"janus":"attach","plugin":"janus.plugin.echotest","transaction":"a"}`))
	hURL := sURL + "/" + strconv.FormatUint(hid, 10)
	sdp, err := json.Marshal(pc.LocalDescription().SDP)
	if err != nil {
		t.Fatal(err)
	}
	if res := post(t, hURL, `{"janus":"message","transaction":"m","body":{"audio":true},"jsep":{"type":"offer","sdp":`+string(sdp)+`}}`); res["janus"] != "ack" {
		t.Fatalf("message: %v", res)
	}

	var answer string
	deadline := time.Now().Add(15 * time.Second)
	for answer == "" && time.Now().Before(deadline) {
		_, body := get(t, sURL+"?maxev=1&rid="+strconv.FormatInt(time.Now().UnixNano(), 10))
		if strings.Contains(body, `"jsep"`) {
			answer = body
		}
	}
	if answer == "" {
		t.Fatal("no event with the answer within 15 s")
	}
	cands := candidatePorts(t, answer)
	if len(cands) == 0 {
		t.Fatalf("answer has no candidates: %s", answer)
	}
	return cands
}

// candidatePorts extracts the ports of the a=candidate lines of an SDP
// embedded (JSON-escaped) in body, by candidate line.
func candidatePorts(t *testing.T, body string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, line := range strings.Split(strings.ReplaceAll(body, `\r\n`, "\n"), "\n") {
		i := strings.Index(line, "a=candidate:")
		if i < 0 {
			continue
		}
		// candidate:foundation component transport priority address port typ ...
		f := strings.Fields(line[i:])
		if len(f) < 6 {
			t.Fatalf("short candidate line %q", line)
		}
		port, err := strconv.Atoi(f[5])
		if err != nil {
			t.Fatalf("candidate line %q: %v", line, err)
		}
		out[line[i:]] = port
	}
	return out
}
