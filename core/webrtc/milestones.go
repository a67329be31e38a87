package webrtc

import (
	"sync"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// milestones puts a Peer's ICE events in the order Janus emits them
// (janus-reference.md 4.4) although pion raises the underlying callbacks on
// different goroutines: "gathering" before "connecting", and "connected",
// "ready" and the selected pair before DTLS "trying". Its lock is held while
// those events are emitted (Emit never blocks), so they cannot interleave.
type milestones struct {
	sync.Mutex
	ice       *pion.ICETransport // set once by bindCallbacks
	gathering bool               // "gathering" emitted for this negotiation
	up        bool               // "connected", "ready" and the pair emitted since the last check
}

// iceGathering emits "gathering" once per negotiation.
func (p *Peer) iceGathering() {
	p.milestones.Lock()
	defer p.milestones.Unlock()
	p.gatheringLocked()
}

func (p *Peer) gatheringLocked() {
	p.stamps.mark(stampAgentStarted)
	if !p.milestones.gathering {
		p.milestones.gathering = true
		p.emitICEState("gathering")
	}
}

// iceChecking emits "connecting", after "gathering" if pion has not yet
// reported it; a new round of checks may reach "connected" again.
func (p *Peer) iceChecking() {
	p.milestones.Lock()
	defer p.milestones.Unlock()
	p.gatheringLocked()
	p.milestones.up = false
	p.emitICEState("connecting")
}

// iceUp emits "connected", "ready" and the selected pair, once per round of
// checks, from whichever callback comes first: pion's ICE state or the DTLS
// transport starting.
func (p *Peer) iceUp() {
	// Ask pion before taking the lock: its ICE agent may be delivering the
	// pair to our own callback, which waits for the lock. The transport was
	// kept at bind time: the DTLS callback runs under the DTLS transport's
	// lock, which DTLSTransport.ICETransport would take again.
	pair, err := p.milestones.ice.GetSelectedCandidatePair()
	p.milestones.Lock()
	defer p.milestones.Unlock()
	if p.milestones.up {
		return
	}
	p.milestones.up = true
	p.stamps.mark(stampICEConnected)
	p.emitICEState("connected")
	p.emitICEState("ready")
	if err == nil {
		p.emitPairLocked(pair)
	}
}

// iceDown emits "disconnected" or "failed"; a later "connected" is news.
func (p *Peer) iceDown(state string) {
	p.milestones.Lock()
	defer p.milestones.Unlock()
	p.milestones.up = false
	p.emitICEState(state)
}

// restartICE lets the next negotiation report "gathering" again.
func (p *Peer) restartICE() {
	p.milestones.Lock()
	defer p.milestones.Unlock()
	p.milestones.gathering = false
}

// emitPairLocked records the selected pair and emits it when it changed
// (Janus emits subtype 4 only on a change).
func (p *Peer) emitPairLocked(pair *pion.ICECandidatePair) {
	if pair == nil || pair.Local == nil || pair.Remote == nil {
		return
	}
	s := pairString(pair)
	p.mu.Lock()
	same := p.state.selectedPair == s
	p.state.selectedPair = s
	p.mu.Unlock()
	if same {
		return
	}
	p.emitWebRTC(subPair, telemetry.SelectedPairBody{
		SelectedPair: s,
		Candidates: &telemetry.CandidatePair{
			Local:  candidateObject(pair.Local),
			Remote: candidateObject(pair.Remote),
		},
		Stream: iceStream(),
	})
}
