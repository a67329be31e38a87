package webrtc

import (
	"fmt"

	pion "github.com/pion/webrtc/v4"
)

// AttachTrack gives one transceiver (typically created by the remote
// offer, so receive-only) a local track, so the answer sends on that very
// m-line. The caller should drain the returned sender's ReadRTCP: the
// receiver reports read there are what the RTT and lost-by-remote of the
// media reports come from.
//
// The sender must come from the PeerConnection itself (AddTrack): a sender
// made with the shared pion API bypasses this PeerConnection's
// interceptors, so its stream would have no sender reports, no NACK
// responses and no outbound statistics. AddTrack picks the first free
// transceiver of the track's kind, so the free ones before t are held
// with a placeholder sender meanwhile.
func (p *Peer) AttachTrack(t *pion.RTPTransceiver, track pion.TrackLocal) (*pion.RTPSender, error) {
	if p.closed() {
		return nil, ErrClosed
	}
	if t == nil || track == nil {
		return nil, ErrNoTrack
	}
	if t.Sender() != nil {
		return nil, fmt.Errorf("webrtc: attach on mid %q: %w", t.Mid(), ErrHasSender)
	}
	held, err := p.holdFreeBefore(t, track.Kind())
	defer p.release(held)
	if err != nil {
		return nil, err
	}
	s, err := p.pc.AddTrack(track)
	if err != nil {
		return nil, fmt.Errorf("webrtc: add track: %w", err)
	}
	if t.Sender() != s {
		_ = p.pc.RemoveTrack(s)
		return nil, fmt.Errorf("webrtc: attach on mid %q: %w", t.Mid(), ErrHasSender)
	}
	return s, nil
}

// holdFreeBefore gives every sender-less transceiver of kind that comes
// before t a placeholder sender, so that AddTrack skips it.
func (p *Peer) holdFreeBefore(t *pion.RTPTransceiver, kind pion.RTPCodecType) ([]*pion.RTPSender, error) {
	var held []*pion.RTPSender
	for _, x := range p.pc.GetTransceivers() {
		if x == t {
			return held, nil
		}
		if x.Kind() != kind || x.Sender() != nil {
			continue
		}
		if d := x.Direction(); d != pion.RTPTransceiverDirectionRecvonly && d != pion.RTPTransceiverDirectionInactive {
			continue
		}
		ph, err := placeholderTrack(kind)
		if err != nil {
			return held, err
		}
		s, err := p.api.NewRTPSender(ph, p.pc.SCTP().Transport())
		if err != nil {
			return held, fmt.Errorf("webrtc: placeholder sender: %w", err)
		}
		if err := x.SetSender(s, ph); err != nil {
			return held, fmt.Errorf("webrtc: placeholder sender: %w", err)
		}
		held = append(held, s)
	}
	return held, nil
}

// release removes the placeholder senders; RemoveTrack restores each
// transceiver's direction.
func (p *Peer) release(held []*pion.RTPSender) {
	for _, s := range held {
		if err := p.pc.RemoveTrack(s); err != nil {
			p.log.Warn("webrtc: release placeholder sender", "err", err)
		}
	}
}

// placeholderTrack is a never-written track of kind.
func placeholderTrack(kind pion.RTPCodecType) (pion.TrackLocal, error) {
	c := pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	if kind == pion.RTPCodecTypeVideo {
		c = pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}
	}
	tr, err := pion.NewTrackLocalStaticRTP(c, "placeholder", "placeholder")
	if err != nil {
		return nil, fmt.Errorf("webrtc: placeholder track: %w", err)
	}
	return tr, nil
}

// PeerBitrate is the last REMB bitrate (bps) received from the remote
// peer, 0 if none; plugins show it as Janus's "peer-bitrate".
func (p *Peer) PeerBitrate() uint64 { return p.watch.rembBitrate.Load() }

// RemoteDirections returns the direction of each m-line of the remote
// description by mid ("sendrecv", "sendonly", "recvonly", "inactive"),
// as the remote peer wrote it.
func (p *Peer) RemoteDirections() map[string]string {
	p.mu.Lock()
	raw := p.state.remoteSDP
	p.mu.Unlock()
	if raw == "" {
		return map[string]string{}
	}
	out, err := SDPDirections(raw)
	if err != nil {
		return map[string]string{}
	}
	return out
}

// SDPDirections returns the direction of each m-line of raw by mid
// ("sendrecv", "sendonly", "recvonly", "inactive"; "sendrecv" when the
// m-line names none, its index when it has no mid), as its writer wrote
// it.
func SDPDirections(raw string) (map[string]string, error) {
	d, err := parseSDP(raw)
	if err != nil {
		return nil, fmt.Errorf("webrtc: directions of an SDP: %w", err)
	}
	out := map[string]string{}
	for i, m := range d.MediaDescriptions {
		mid, _ := m.Attribute("mid")
		if mid == "" {
			mid = fmt.Sprint(i)
		}
		dir := "sendrecv"
		for _, a := range m.Attributes {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				dir = a.Key
			}
		}
		out[mid] = dir
	}
	return out, nil
}
