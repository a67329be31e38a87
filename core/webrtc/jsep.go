package webrtc

import (
	"context"
	"fmt"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/pionfix"
)

// SetRemoteDescription applies the client's offer or answer, emits the
// remote jsep event, and applies queued candidates. Parse and processing
// errors wrap ErrInvalidSDP; an answer without a local offer is
// ErrUnexpectedAnswer; a closed Peer gives ErrClosed.
func (p *Peer) SetRemoteDescription(ctx context.Context, typ, raw string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.closed() {
		return ErrClosed
	}
	var t pion.SDPType
	switch typ {
	case "offer":
		t = pion.SDPTypeOffer
	case "answer":
		t = pion.SDPTypeAnswer
	default:
		return fmt.Errorf("%w: unknown type %q", ErrInvalidSDP, typ)
	}
	parsed := &sdp.SessionDescription{}
	if err := parsed.UnmarshalString(raw); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if len(parsed.MediaDescriptions) == 0 {
		return fmt.Errorf("%w: no m-line", ErrInvalidSDP)
	}

	p.sdpMu.Lock()
	defer p.sdpMu.Unlock()
	if t == pion.SDPTypeAnswer && p.pc.SignalingState() != pion.SignalingStateHaveLocalOffer {
		return ErrUnexpectedAnswer
	}
	layout := parseLayout(parsed)
	p.mu.Lock()
	restart := t == pion.SDPTypeOffer && p.state.layout.ufrag != "" && layout.ufrag != p.state.layout.ufrag
	if t == pion.SDPTypeOffer {
		p.state.processingOffer = true
	}
	p.mu.Unlock()

	p.emitJSEP("remote", typ, raw)
	applied := raw
	if t == pion.SDPTypeOffer {
		// An m-line the offer leaves inactive must not cost its
		// transceiver, and Argus must not send on one the client will
		// not receive on (inactive, sendonly): its sender goes (a plugin
		// attaches a new track when the m-line is back), its receiver
		// stays (RemoteDirections reads raw, not what pion was given).
		if p.pc.SignalingState() == pion.SignalingStateStable {
			if mids, err := pionfix.ReleaseSenders(p.pc, parsed); err != nil {
				p.log.Warn("webrtc: releasing the senders of m-lines the client does not receive on", "error", err)
			} else if len(mids) > 0 {
				p.log.Debug("webrtc: senders released, their m-lines inactive or sendonly", "mids", mids)
			}
		}
		// A late packet of an SSRC such an m-line no longer names must
		// not get a transceiver of its own (pionfix.FenceIdle).
		applied = pionfix.FenceIdle(pionfix.KeepReceivers(raw, p.pc.GetTransceivers()))
	}
	if err := p.pc.SetRemoteDescription(pion.SessionDescription{Type: t, SDP: applied}); err != nil {
		p.mu.Lock()
		p.state.processingOffer = false
		p.mu.Unlock()
		if p.closed() {
			return ErrClosed
		}
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}

	if restart {
		p.restartICE()
	}
	p.mu.Lock()
	p.state.remoteSDP = raw
	p.state.layout = layout
	p.state.iceRestart = restart
	if t == pion.SDPTypeOffer {
		p.state.gotOffer = true
	} else {
		p.state.gotAnswer = true
	}
	p.state.hasRemote = true
	queued := p.state.queued
	p.state.queued = nil
	sdpCands := candidateLines(parsed)
	p.countSDPCandidatesLocked(sdpCands, restart)
	p.mu.Unlock()

	for _, line := range sdpCands {
		p.noteRemoteCandidate(line)
	}
	for _, c := range queued {
		if err := p.addNow(c); err != nil {
			p.log.Warn("webrtc: queued candidate rejected", "error", err)
		}
	}
	return nil
}

// CreateAnswer answers the remote offer; it waits for ICE gathering so the
// SDP carries Argus's candidates (Janus half-trickle) and emits the local
// jsep event. The wait is bounded by ctx (ErrGatheringTimeout).
func (p *Peer) CreateAnswer(ctx context.Context) (string, error) {
	p.sdpMu.Lock()
	defer p.sdpMu.Unlock()
	if p.closed() {
		return "", ErrClosed
	}
	if p.pc.SignalingState() != pion.SignalingStateHaveRemoteOffer {
		return "", ErrNoRemoteOffer
	}
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", p.negotiationError("create answer", err)
	}
	out, err := p.setLocal(ctx, answer)
	p.mu.Lock()
	p.state.processingOffer = false
	if err == nil {
		p.state.gotAnswer = true
	}
	p.mu.Unlock()
	return out, err
}

// AwaitingAnswer reports whether a remote offer waits for its answer.
func (p *Peer) AwaitingAnswer() bool {
	return p.pc.SignalingState() == pion.SignalingStateHaveRemoteOffer
}

// AbandonOffer ends a remote offer that will not be answered (its plugin
// refused the request that carried it), so that the client's next offer
// applies: pion (v4.2.26) refuses an offer while one waits for its answer,
// and it rolls back no remote offer. So the Peer answers the offer itself
// and sends that answer nowhere: no jsep event, no wait for gathering,
// the local SDP the client knows stays the current one. The offer's
// changes stay applied (pion keeps them after a rollback too); the
// client's next offer renegotiates from there. It reports whether there
// was such an offer; a closed Peer gives ErrClosed.
func (p *Peer) AbandonOffer() (bool, error) {
	p.sdpMu.Lock()
	defer p.sdpMu.Unlock()
	if p.closed() {
		return false, ErrClosed
	}
	if p.pc.SignalingState() != pion.SignalingStateHaveRemoteOffer {
		return false, nil
	}
	answer, err := p.pc.CreateAnswer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(answer)
	}
	if err != nil {
		return false, p.negotiationError("abandon offer", err)
	}
	p.mu.Lock()
	p.state.processingOffer = false
	p.mu.Unlock()
	return true, nil
}

// CreateOffer makes an offer (plugin-initiated negotiation, ICE restart),
// with Argus's candidates inside, and emits the local jsep event.
func (p *Peer) CreateOffer(ctx context.Context, iceRestart bool) (string, error) {
	p.sdpMu.Lock()
	defer p.sdpMu.Unlock()
	if p.closed() {
		return "", ErrClosed
	}
	if iceRestart {
		p.restartICE()
	}
	offer, err := p.pc.CreateOffer(&pion.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		return "", p.negotiationError("create offer", err)
	}
	out, err := p.setLocal(ctx, offer)
	if err == nil {
		p.mu.Lock()
		p.state.gotOffer = true
		p.state.iceRestart = iceRestart
		if iceRestart {
			p.state.remoteSeen = nil // a new generation: the answer's candidates start the count
		}
		if p.state.layout.mids == nil {
			if parsed, perr := parseSDP(out); perr == nil {
				l := parseLayout(parsed)
				l.ufrag, l.fingerp, l.profile = "", "", "" // the remote's, once it answers
				l.msids = nil                              // Argus's own: not the remote's streams
				p.state.layout = l
			}
		}
		p.mu.Unlock()
	}
	return out, err
}

// setLocal applies a local description and waits for gathering to complete.
// Once Close has started (or the hangup was emitted) it returns ErrClosed
// and emits nothing.
func (p *Peer) setLocal(ctx context.Context, d pion.SessionDescription) (string, error) {
	gathered := pion.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(d); err != nil {
		return "", p.negotiationError("set local description", err)
	}
	select {
	case <-gathered:
	case <-p.closing:
		return "", ErrClosed
	case <-ctx.Done():
		return "", fmt.Errorf("webrtc: %w: %w", ErrGatheringTimeout, ctx.Err())
	}
	ld := p.pc.LocalDescription()
	if ld == nil {
		return "", ErrClosed
	}
	// The select picks at random when gathering is done (always so on a
	// renegotiation) and Close has started too: check again, under the
	// lock that orders this event before the hangup.
	p.jsepMu.Lock()
	defer p.jsepMu.Unlock()
	if p.hungUp || p.closed() {
		return "", ErrClosed
	}
	p.mu.Lock()
	p.state.localSDP = ld.SDP
	p.mu.Unlock()
	p.emitJSEP("local", ld.Type.String(), ld.SDP)
	return ld.SDP, nil
}

// negotiationError maps a pion failure to ErrClosed or a wrapped error.
func (p *Peer) negotiationError(op string, err error) error {
	if p.closed() {
		return ErrClosed
	}
	return fmt.Errorf("webrtc: %s: %w", op, err)
}

// parseSDP parses an SDP string.
func parseSDP(raw string) (*sdp.SessionDescription, error) {
	d := &sdp.SessionDescription{}
	if err := d.UnmarshalString(raw); err != nil {
		return nil, err
	}
	return d, nil
}
