package webrtc

import (
	"fmt"

	pion "github.com/pion/webrtc/v4"
)

// AttachTrack gives one transceiver (typically created by the remote
// offer, so receive-only) a local track, so the answer sends on that very
// m-line; pion's AddTrack would pick the first free transceiver instead.
func (p *Peer) AttachTrack(t *pion.RTPTransceiver, track pion.TrackLocal) (*pion.RTPSender, error) {
	if p.closed() {
		return nil, ErrClosed
	}
	if t == nil || track == nil {
		return nil, ErrNoTrack
	}
	s, err := p.api.NewRTPSender(track, p.pc.SCTP().Transport())
	if err != nil {
		return nil, fmt.Errorf("webrtc: new sender: %w", err)
	}
	if err := t.SetSender(s, track); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("webrtc: set sender: %w", err)
	}
	return s, nil
}

// PeerBitrate is the last REMB bitrate (bps) received from the remote
// peer, 0 if none; plugins show it as Janus's "peer-bitrate".
func (p *Peer) PeerBitrate() uint64 { return p.watch.rembBitrate.Load() }

// RemoteDirections returns the direction of each m-line of the remote
// description by mid ("sendrecv", "sendonly", "recvonly", "inactive"),
// as the remote peer wrote it.
func (p *Peer) RemoteDirections() map[string]string {
	out := map[string]string{}
	rd := p.pc.RemoteDescription()
	if rd == nil {
		return out
	}
	d, err := parseSDP(rd.SDP)
	if err != nil {
		return out
	}
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
	return out
}
