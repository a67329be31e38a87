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
