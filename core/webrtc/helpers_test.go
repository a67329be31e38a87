package webrtc

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// recorder is a recording telemetry.Emitter.
type recorder struct {
	mu     sync.Mutex
	events []*telemetry.Event
}

func (r *recorder) Emit(e *telemetry.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// find returns the events of a type and subtype matching pred.
func (r *recorder) find(t telemetry.Type, sub int, pred func(map[string]any) bool) []*telemetry.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*telemetry.Event
	for _, e := range r.events {
		if e.Type != t || e.Subtype != sub {
			continue
		}
		if b, ok := e.Body.(map[string]any); ok && (pred == nil || pred(b)) {
			out = append(out, e)
		}
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// observer records Observer calls.
type observer struct {
	mu      sync.Mutex
	up      int
	media   []string // "mid/kind/true"
	hangups []string
}

func (o *observer) WebRTCUp() { o.mu.Lock(); o.up++; o.mu.Unlock() }
func (o *observer) Media(mid, kind string, rx bool) {
	o.mu.Lock()
	o.media = append(o.media, mid+"/"+kind+"/"+map[bool]string{true: "true", false: "false"}[rx])
	o.mu.Unlock()
}
func (o *observer) SlowLink(string, string, bool, int) {}
func (o *observer) Hangup(reason string) {
	o.mu.Lock()
	o.hangups = append(o.hangups, reason)
	o.mu.Unlock()
}

func (o *observer) snapshot() (int, []string, []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.up, append([]string(nil), o.media...), append([]string(nil), o.hangups...)
}

func (o *observer) has(media string) bool {
	_, m, _ := o.snapshot()
	for _, x := range m {
		if x == media {
			return true
		}
	}
	return false
}

// testEngine builds a loopback Engine with fast timers.
func testEngine(t *testing.T, rec telemetry.Emitter) *Engine {
	t.Helper()
	e, err := NewEngine(Config{
		ServerName: "test", Emitter: rec, IncludeLoopback: true,
		StatsPeriod: 100 * time.Millisecond, NoMediaTimer: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// clientAPI is a plain pion API on loopback for the client side.
func clientAPI(t *testing.T) *pion.API {
	t.Helper()
	me := &pion.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := pion.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	return pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se))
}

// sendRTP writes n packets on a local track.
func sendRTP(t *testing.T, tr *pion.TrackLocalStaticRTP, pt uint8, seq *uint16, n int) {
	t.Helper()
	for range n {
		*seq++
		pkt := &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: *seq, Timestamp: uint32(*seq) * 960, SSRC: 1},
			Payload: make([]byte, 100),
		}
		if err := tr.WriteRTP(pkt); err != nil {
			t.Fatalf("write rtp: %v", err)
		}
	}
}

// ctxT is a bounded context for one test step.
func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
