package webrtc

import (
	"fmt"
	"strings"

	"github.com/pion/ice/v4"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// Candidate is a trickled ICE candidate; Completed marks end-of-candidates.
type Candidate struct {
	SDPMid        *string
	SDPMLineIndex *uint16
	Candidate     string
	Completed     bool
}

// maxCandidateLen bounds a candidate line (a real one is < 300 bytes).
const maxCandidateLen = 1024

// maxQueuedCandidates bounds the queue kept before a remote description.
const maxQueuedCandidates = 256

// MaxRemoteCandidates bounds the distinct remote candidates one
// PeerConnection takes per ICE generation, trickled or in the remote SDP
// (the same number as the queue before a remote description and the
// core's early-trickle queue): every one costs pion's agent a goroutine
// and a duplicate scan of the others, and pairs to check. A real client
// has a few dozen. A candidate beyond it gives ErrTooManyCandidates; the
// SDP's own are counted but never refused (the SDP size and m-line caps
// bound them).
const MaxRemoteCandidates = 256

// parseCandidate validates a trickled candidate line and returns it
// without the "a=" and "candidate:" prefixes.
func parseCandidate(c Candidate) (string, error) {
	if c.SDPMid == nil && c.SDPMLineIndex == nil {
		return "", fmt.Errorf("%w: neither sdpMid nor sdpMLineIndex", ErrInvalidCandidate)
	}
	line := strings.TrimSpace(c.Candidate)
	if len(line) > maxCandidateLen {
		return "", fmt.Errorf("%w: too long", ErrInvalidCandidate)
	}
	line = strings.TrimPrefix(line, "a=")
	line = strings.TrimPrefix(line, "candidate:")
	if line == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidCandidate)
	}
	if _, err := ice.UnmarshalCandidate(line); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidCandidate, err)
	}
	return line, nil
}

// CandidateUfrag returns the ICE ufrag a candidate line names in its
// "ufrag" extension ("... typ host generation 0 ufrag AbCd", as browsers
// write it), or "". The line may have the "a=" and "candidate:" prefixes;
// after the eight fixed fields (foundation to "typ" type, RFC 8839
// section 5.1) come name and value pairs. A line longer than any
// candidate may be (which AddCandidate refuses) names none.
func CandidateUfrag(line string) string {
	line = strings.TrimPrefix(strings.TrimSpace(line), "a=")
	if len(line) > maxCandidateLen+len("candidate:") {
		return ""
	}
	f := strings.Fields(strings.TrimPrefix(line, "candidate:"))
	for i := 8; i+1 < len(f); i += 2 {
		if f[i] == "ufrag" {
			return f[i+1]
		}
	}
	return ""
}

// AddCandidate adds a remote candidate, queueing it until a remote
// description exists. A Completed candidate marks end-of-candidates. An
// unparsable candidate gives ErrInvalidCandidate (even when queued).
func (p *Peer) AddCandidate(c Candidate) error {
	if p.closed() {
		return ErrClosed
	}
	if !c.Completed {
		line, err := parseCandidate(c)
		if err != nil {
			return err
		}
		c.Candidate = line
		if !p.admitRemote(line) {
			return fmt.Errorf("%w: %w (limit %d)", ErrInvalidCandidate, ErrTooManyCandidates, MaxRemoteCandidates)
		}
		p.noteRemoteCandidate(line)
	}
	p.mu.Lock()
	p.state.trickle = true
	if c.Completed {
		p.state.allTrickles = true
	}
	if !p.state.hasRemote {
		if len(p.state.queued) >= maxQueuedCandidates {
			p.mu.Unlock()
			return fmt.Errorf("%w: too many queued candidates", ErrInvalidCandidate)
		}
		p.state.queued = append(p.state.queued, c)
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	return p.addNow(c)
}

// addNow hands a validated candidate to pion.
func (p *Peer) addNow(c Candidate) error {
	init := pion.ICECandidateInit{SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}
	if !c.Completed {
		init.Candidate = "candidate:" + c.Candidate
	}
	if err := p.pc.AddICECandidate(init); err != nil {
		if p.closed() {
			return ErrClosed
		}
		return fmt.Errorf("%w: %w", ErrInvalidCandidate, err)
	}
	return nil
}

// noteRemoteCandidate records a remote candidate and emits type 16 sub 3.
func (p *Peer) noteRemoteCandidate(line string) {
	p.mu.Lock()
	if len(p.state.remoteCands) < maxQueuedCandidates {
		p.state.remoteCands = append(p.state.remoteCands, line)
	}
	p.mu.Unlock()
	p.emitWebRTC(subRemote, telemetry.RemoteCandidateBody{Candidate: line, Stream: iceStream()})
}

// admitRemote records a trickled candidate among the PeerConnection's
// remote ones; false when it is a new one beyond MaxRemoteCandidates. A
// candidate already known passes (pion ignores the duplicate).
func (p *Peer) admitRemote(line string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.state.remoteSeen[line]; ok {
		return true
	}
	if len(p.state.remoteSeen) >= MaxRemoteCandidates {
		return false
	}
	if p.state.remoteSeen == nil {
		p.state.remoteSeen = map[string]struct{}{}
	}
	p.state.remoteSeen[line] = struct{}{}
	return true
}

// countSDPCandidatesLocked records a remote SDP's candidates among the remote
// ones (up to MaxRemoteCandidates), after an ICE restart in place of the
// previous generation's. p.mu is held.
func (p *Peer) countSDPCandidatesLocked(lines []string, restart bool) {
	if restart || p.state.remoteSeen == nil {
		p.state.remoteSeen = make(map[string]struct{}, len(lines))
	}
	for _, line := range lines {
		if len(p.state.remoteSeen) >= MaxRemoteCandidates {
			return
		}
		p.state.remoteSeen[line] = struct{}{}
	}
}
