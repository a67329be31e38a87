package webrtc

import (
	"github.com/argusrtc/argus/telemetry"
)

// Type 16 subtypes, named after telemetry's constants.
const (
	subICE      = telemetry.SubtypeWebRTCICE
	subLocal    = telemetry.SubtypeWebRTCLocalCandidate
	subRemote   = telemetry.SubtypeWebRTCRemoteCandidate
	subPair     = telemetry.SubtypeWebRTCSelectedPair
	subDTLS     = telemetry.SubtypeWebRTCDTLS
	subPC       = telemetry.SubtypeWebRTCPeerConnection
	streamID    = 1 // Janus bundles everything into one stream ...
	componentID = 1 // ... with one component (rtcp-mux).
)

// Event bodies are telemetry's body types, whose JSON keys are exactly
// Janus's (janus-reference.md 4.4).

// emit sends one event with this Peer's header, unless the Peer is silent
// (Discard, HangupDiscarded).
func (p *Peer) emit(t telemetry.Type, sub int, body any) {
	p.emitMu.RLock()
	defer p.emitMu.RUnlock()
	if p.silent {
		return
	}
	p.cfg.Emitter.Emit(p.event(t, sub, body))
}

// event builds one event with this Peer's header.
func (p *Peer) event(t telemetry.Type, sub int, body any) *telemetry.Event {
	return &telemetry.Event{
		Emitter:   p.cfg.ServerName,
		Type:      t,
		Subtype:   sub,
		Timestamp: telemetry.Now(),
		SessionID: p.params.SessionID,
		HandleID:  p.params.HandleID,
		OpaqueID:  p.params.OpaqueID,
		Body:      body,
	}
}

// emitJSEP emits a type 8 event: owner is "local" or "remote".
func (p *Peer) emitJSEP(owner, typ, sdp string) {
	p.emit(telemetry.TypeJSEP, 0, telemetry.JSEPBody{Owner: owner, JSEP: telemetry.JSEP{Type: typ, SDP: sdp}})
}

// iceStream is the stream and component of every type 16 body but the
// PeerConnection one (6), as Janus has them.
func iceStream() telemetry.Stream {
	return telemetry.Stream{StreamID: streamID, ComponentID: componentID}
}

// emitWebRTC emits a type 16 event of subtype sub.
func (p *Peer) emitWebRTC(sub int, body any) {
	p.emit(telemetry.TypeWebRTC, sub, body)
}

// emitICEState emits and records a Janus ICE state name.
func (p *Peer) emitICEState(state string) {
	p.mu.Lock()
	changed := p.state.iceState != state
	p.state.iceState = state
	p.mu.Unlock()
	if changed {
		p.emitWebRTC(subICE, telemetry.ICEBody{ICE: state, Stream: iceStream()})
	}
}
