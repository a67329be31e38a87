package webrtc

import (
	"time"

	pion "github.com/pion/webrtc/v4"
)

// ICEFailedGrace is how long a Peer whose ICE failed after it was up waits
// before hanging up with "ICE failed" when HangupOnFailed is off, Janus's
// grace period for an ICE failure with trickles and answer complete
// (janus-reference.md 1.4). pion's failed state is final (no ICE restart
// here), so the grace only mirrors Janus's timing for clients.
const ICEFailedGrace = 5 * time.Second

// iceFailure handles pion's ICE failed state on the run loop. Before ICE
// was ever up the Peer hangs up at once, as before Janus 1.2. After it was
// up (consent freshness lost: the client stopped answering checks), the
// Observer hears ICEFailed once; then the Peer hangs up at once with
// HangupOnFailed, else after ICEFailedGrace (iceGraceOver).
//
// An ICE-lite Peer (Config.ICELite) sends no checks of its own: pion's
// lite agent times the selected pair out on what it last received from
// the client (its consent checks, media, RTCP), so a client that goes
// silent fails ICE and reaches iceFailure as with a full agent, later:
// pion's lite default is 10 s to disconnected instead of 5 s, so failed
// comes after 35 s of silence instead of 30 s (TestConsentLostICEFailed
// has a lite case). Janus 1.1.2, lite or full, kept such a handle "ready"
// for over a minute, with no ice-failed or hangup.
func (p *Peer) iceFailure(now time.Time) (string, bool) {
	p.mu.Lock()
	wasUp := p.state.webrtcUp
	p.mu.Unlock()
	if !wasUp && !p.connected.Load() {
		return "ICE failed", true
	}
	if p.iceFailedAt.IsZero() {
		p.iceFailedAt = now
		if o, ok := p.obs.(ICEFailedObserver); ok {
			p.observe(o.ICEFailed)
		}
	}
	if p.cfg.HangupOnFailed {
		return "ICE failed", true
	}
	return "", false
}

// iceGraceOver reports whether the grace after an ICE failure has passed.
func (p *Peer) iceGraceOver(now time.Time) (string, bool) {
	if p.iceFailedAt.IsZero() || now.Sub(p.iceFailedAt) < ICEFailedGrace {
		return "", false
	}
	return "ICE failed", true
}

// pion's ICE timer defaults, kept for the timer not configured; an
// ICE-lite agent waits longer before "disconnected".
const (
	pionDisconnectedTimeout     = 5 * time.Second
	pionLiteDisconnectedTimeout = 10 * time.Second
	pionFailedTimeout           = 25 * time.Second
	pionKeepaliveInterval       = 2 * time.Second
)

// setICETimeouts sets pion's ICE timers; zero keeps pion's default (for
// a lite agent when lite). The keepalive (consent check) interval stays
// under the disconnected timeout.
func setICETimeouts(se *pion.SettingEngine, disconnected, failed time.Duration, lite bool) {
	switch {
	case disconnected > 0:
	case lite:
		disconnected = pionLiteDisconnectedTimeout
	default:
		disconnected = pionDisconnectedTimeout
	}
	if failed <= 0 {
		failed = pionFailedTimeout
	}
	se.SetICETimeouts(disconnected, failed, min(pionKeepaliveInterval, disconnected/4))
}
