package webrtc

import (
	"strings"
	"sync"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

// failObserver records ICEFailed and when the hangup came.
type failObserver struct {
	observer
	fmu      sync.Mutex
	fails    int
	failedAt time.Time
	hungAt   time.Time
}

func (o *failObserver) ICEFailed() {
	o.fmu.Lock()
	o.fails++
	o.failedAt = time.Now()
	o.fmu.Unlock()
}

func (o *failObserver) Hangup(reason string) {
	o.fmu.Lock()
	o.hungAt = time.Now()
	o.fmu.Unlock()
	o.observer.Hangup(reason)
}

// TestConsentLostICEFailed: a connected client stops answering ICE checks
// (its ICE transport stopped abruptly, no DTLS close): the Peer reports
// ICEFailed once, then hangs up with "ICE failed", at once with
// HangupOnFailed and not before ICEFailedGrace without it. An ICE-lite
// Peer sends no checks: the client's checks and media are its consent,
// and their silence fails ICE the same way (pion's lite agent times out
// the selected pair on what it last received from the client).
func TestConsentLostICEFailed(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		hangupOnFailed, lite bool
	}{
		{name: "hangup_on_failed", hangupOnFailed: true},
		{name: "grace"},
		{name: "lite hangup_on_failed", hangupOnFailed: true, lite: true},
	} {
		hangupOnFailed := tc.hangupOnFailed
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			eng := engineOf(t, Config{ServerName: "test", Emitter: rec, IncludeLoopback: true, HangupOnFailed: hangupOnFailed, ICELite: tc.lite},
				func(se *pion.SettingEngine) {
					se.SetICETimeouts(500*time.Millisecond, time.Second, 100*time.Millisecond)
				})
			obs := &failObserver{}
			peer := newPeer(t, eng, PeerParams{Observer: obs})
			client, _ := connect(t, peer)
			testkit.Until(t, 20*time.Second, "webrtcup", func() bool { up, _, _ := obs.snapshot(); return up == 1 })
			info := peer.Info()
			local, _ := info["sdps"].(map[string]any)["local"].(string)
			if info["ice-mode"] != map[bool]string{true: "lite", false: "full"}[tc.lite] || strings.Contains(local, "a=ice-lite") != tc.lite {
				t.Fatalf("ice-mode %v, answer:\n%s", info["ice-mode"], local)
			}

			if err := client.SCTP().Transport().ICETransport().Stop(); err != nil {
				t.Fatal(err)
			}
			waitDone(t, peer, 60*time.Second, "peer did not hang up after the client went silent")
			obs.fmu.Lock()
			fails, failedAt, hungAt := obs.fails, obs.failedAt, obs.hungAt
			obs.fmu.Unlock()
			if _, _, h := obs.snapshot(); fails != 1 || len(h) != 1 || h[0] != "ICE failed" {
				t.Fatalf("ICEFailed %d times, hangups %v", fails, h)
			}
			if !hangupOnFailed && hungAt.Sub(failedAt) < ICEFailedGrace {
				t.Fatalf("hung up %v after ice-failed, before the %v grace", hungAt.Sub(failedAt), ICEFailedGrace)
			}
			if len(rec.find(telemetry.TypeWebRTC, subICE, func(b map[string]any) bool { return b["ice"] == "failed" })) != 1 {
				t.Error("no ICE failed event")
			}
			hangups := rec.find(telemetry.TypeWebRTC, subPC, func(b map[string]any) bool { return b["connection"] == "hangup" })
			if len(hangups) != 1 || telemetrytest.Fields(hangups[0].Body)["reason"] != "ICE failed" {
				t.Errorf("%d hangup events, want one with reason \"ICE failed\"", len(hangups))
			}
		})
	}
}
