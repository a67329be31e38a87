package webrtc

import (
	"fmt"
	"net"
	"strings"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// bindCallbacks installs the pion handlers a Peer owns. They only record
// state, emit events (non-blocking) and poke the run loop.
func (p *Peer) bindCallbacks() {
	p.pc.OnICEGatheringStateChange(func(s pion.ICEGatheringState) {
		switch s {
		case pion.ICEGatheringStateGathering:
			p.iceGathering()
		case pion.ICEGatheringStateComplete:
			p.stamps.mark(stampGathered)
		default:
		}
	})
	p.pc.OnICECandidate(func(c *pion.ICECandidate) {
		if c == nil {
			return
		}
		line := strings.TrimPrefix(c.ToJSON().Candidate, "candidate:")
		p.mu.Lock()
		p.state.localCands = append(p.state.localCands, line)
		p.mu.Unlock()
		p.emitWebRTC(subLocal, telemetry.LocalCandidateBody{Candidate: line, Stream: iceStream()})
	})
	p.pc.OnICEConnectionStateChange(func(s pion.ICEConnectionState) {
		switch s {
		case pion.ICEConnectionStateChecking:
			p.iceChecking()
		case pion.ICEConnectionStateConnected, pion.ICEConnectionStateCompleted:
			p.iceUp()
		case pion.ICEConnectionStateDisconnected:
			p.iceDown("disconnected")
		case pion.ICEConnectionStateFailed:
			p.iceDown("failed")
			p.iceFailed.Store(true)
			p.signal()
		default:
		}
	})
	p.pc.OnConnectionStateChange(func(s pion.PeerConnectionState) {
		switch s {
		case pion.PeerConnectionStateConnected:
			p.connected.Store(true)
			p.signal()
		case pion.PeerConnectionStateFailed:
			// ICE or DTLS failure: pion's ICE state tells which.
			if p.iceFailed.Load() || p.pc.ICEConnectionState() == pion.ICEConnectionStateFailed {
				p.iceFailed.Store(true)
			} else {
				p.dtlsFailed.Store(true)
			}
			p.signal()
		default:
		}
	})
	dtls := p.pc.SCTP().Transport()
	p.milestones.ice = dtls.ICETransport()
	dtls.OnStateChange(func(s pion.DTLSTransportState) {
		var name string
		switch s {
		case pion.DTLSTransportStateConnecting:
			// pion starts DTLS only once ICE is up, but reports the two on
			// different goroutines; Janus's order is ICE up, then DTLS.
			p.iceUp()
			p.stamps.mark(stampHandshake)
			name = "trying"
		case pion.DTLSTransportStateConnected:
			p.stamps.mark(stampDTLSConnected)
			name = "connected"
		case pion.DTLSTransportStateFailed:
			name = "failed"
			p.dtlsFailed.Store(true)
		case pion.DTLSTransportStateClosed:
			// Closed while we were not closing. After the handshake, the
			// client closed its PeerConnection (DTLS close_notify): Janus
			// hangs up at once with "DTLS alert" (janus-reference.md 1.4).
			// During the handshake it is a failed handshake: "DTLS error".
			if p.closed() {
				return
			}
			p.mu.Lock()
			established := p.state.dtlsState == "connected"
			p.mu.Unlock()
			if established {
				p.dtlsAlert.Store(true)
				p.signal()
				return
			}
			name = "failed"
			p.dtlsFailed.Store(true)
		default:
			return
		}
		p.mu.Lock()
		same := p.state.dtlsState == name
		p.state.dtlsState = name
		p.mu.Unlock()
		if !same { // a failed handshake may be reported as failed and as closed
			p.emitWebRTC(subDTLS, telemetry.DTLSBody{DTLS: name, Stream: iceStream()})
		}
		if name == "failed" {
			p.signal() // after the event, so the hangup follows it
		}
	})
	p.milestones.ice.OnSelectedCandidatePairChange(func(pair *pion.ICECandidatePair) {
		p.milestones.Lock()
		defer p.milestones.Unlock()
		p.emitPairLocked(pair)
	})
}

// pairString renders a pair the Janus way:
// "<laddr>:<lport> [<type>,<udp|tcp>] <-> <raddr>:<rport> [<type>,<udp|tcp>]".
func pairString(pair *pion.ICECandidatePair) string {
	c := func(x *pion.ICECandidate) string {
		return fmt.Sprintf("%s:%d [%s,%s]", x.Address, x.Port, x.Typ, x.Protocol)
	}
	return c(pair.Local) + " <-> " + c(pair.Remote)
}

// candidateObject is the {address, port, type, transport, family} object
// of a selected-pair event.
func candidateObject(c *pion.ICECandidate) telemetry.Candidate {
	family := 4
	if ip := net.ParseIP(c.Address); ip != nil && ip.To4() == nil {
		family = 6
	}
	return telemetry.Candidate{
		Address: c.Address, Port: int(c.Port), Type: c.Typ.String(),
		Transport: c.Protocol.String(), Family: family,
	}
}
