package webrtc

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
)

// Goroutines per connected PeerConnection receiving one stream, with
// media flowing.
//
//   - goroutinesPerChain: started by Argus's code and the interceptors:
//     Peer.run, the reader of the received stream's RTCP
//     (receiverrtcp.go) and pion's NACK generator loop. It was 5 with
//     pion's report interceptors (a sender and a receiver loop) and a TWCC
//     feedback loop per PeerConnection, and no RTCP reader; the Engine's
//     one rtcpTicker does their work now.
//   - goroutinesPerPair: all of a Peer's and its pion client's (no
//     interceptors) together, except pion ICE's one per local candidate,
//     whose number depends on the host's interfaces: 29 before, 27 now.
const (
	goroutinesPerChain = 3
	goroutinesPerPair  = 27
)

// iceCandidateReader starts a goroutine per local ICE candidate.
const iceCandidateReader = "github.com/pion/ice/v4.(*candidateBase).start"

// TestGoroutinesPerPeer connects pairs Peers to clients, sends video both
// ways and counts the goroutines they added: the Engine's one RTCP ticker,
// none of pion's report loops, at most goroutinesPerChain per Peer started
// by Argus and the interceptors and goroutinesPerPair in all (ICE's
// candidate readers aside). It fails when a change adds a goroutine per
// PeerConnection.
func TestGoroutinesPerPeer(t *testing.T) {
	const pairs = 4
	eng := testEngine(t, nil)
	api := bareClientAPI(t)
	g0 := runtime.NumGoroutine()
	var read atomic.Int64
	vps := newVideoPairs(t, eng, api, pairs, func() { read.Add(1) })
	t.Cleanup(func() { closeVideoPairs(t, vps) })
	send := func() {
		payload := make([]byte, 500)
		for _, p := range vps {
			if err := p.send(payload, 3000); err != nil {
				t.Fatal(err)
			}
		}
	}
	testkit.Until(t, 15*time.Second, "media at every Peer", func() bool {
		send()
		time.Sleep(5 * time.Millisecond) // media pacing, not an assertion
		return read.Load() >= pairs*20
	})
	// Past the first reports: the RTCP ticker runs, and pion's per-connection
	// goroutines have settled.
	for range 60 {
		send()
		time.Sleep(20 * time.Millisecond) // media pacing, not an assertion
	}
	stacks := goroutineStacks()
	byFunc := goroutineCreators(stacks)
	added := runtime.NumGoroutine() - g0 - byFunc[iceCandidateReader]
	tickers := strings.Count(stacks, "webrtc.(*rtcpTicker).loop")
	if strings.Contains(stacks, "pion/interceptor/pkg/report.") {
		t.Error("pion's report interceptors are running")
	}
	if tickers != 1 {
		t.Errorf("%d RTCP ticker loops, want 1 per Engine", tickers)
	}
	chain := 0
	for f, n := range byFunc {
		if strings.HasPrefix(f, "github.com/argusrtc/argus/core/webrtc.") || strings.HasPrefix(f, "github.com/pion/interceptor/") {
			chain += n
		}
	}
	if limit := pairs*goroutinesPerChain + 1; chain > limit {
		t.Errorf("%d goroutines started by Argus and the interceptors for %d PeerConnections, want at most %d", chain, pairs, limit)
	}
	if limit := pairs*goroutinesPerPair + 1; added > limit {
		t.Errorf("%d goroutines for %d pairs (%.1f each), want at most %d", added, pairs, float64(added)/pairs, limit)
	}
	t.Logf("%d goroutines for %d pairs besides %d ICE candidate readers, %d started by Argus and the interceptors",
		added, pairs, byFunc[iceCandidateReader], chain)
	if t.Failed() || testing.Verbose() {
		var b strings.Builder
		for f, c := range byFunc {
			fmt.Fprintf(&b, "%4d %s\n", c, f)
		}
		t.Logf("goroutines by creator:\n%s", b.String())
	}
}

// goroutineCreators counts goroutines by the function that started them.
func goroutineCreators(stacks string) map[string]int {
	n := map[string]int{}
	for _, st := range strings.Split(stacks, "\n\n") {
		if i := strings.Index(st, "created by "); i >= 0 {
			f := st[i+len("created by "):]
			if j := strings.IndexAny(f, " \n"); j >= 0 {
				f = f[:j]
			}
			n[f]++
		}
	}
	return n
}

// goroutineStacks is every goroutine's stack.
func goroutineStacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}
