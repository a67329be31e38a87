package testpeer

import (
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// keepReceivers returns the offer that SetOffer hands to pion: offer
// itself, except that an audio or video m-line it leaves inactive whose
// transceiver here is inactive already is written recvonly.
//
// Why: pion (v4.2.26 and v4.2.27) stops a transceiver, and with it its
// receiver, on every offer that leaves its m-line inactive, where a
// browser only marks it inactive (only a rejected m-line, port 0, stops
// a transceiver). After the first such offer pion's answer swaps in a new
// receiver, because the stopped one had a track; the second such offer
// stops that new receiver, which has no track, so it is never swapped.
// When a later offer sends on the m-line again (a VideoRoom subscription
// reusing the m-line of an unsubscribed stream, as Janus does, keeping
// the mid), pion binds the new SSRC to the stopped receiver: it reads EOF
// ("Could not determine PayloadType ... EOF" in its log), fires no
// OnTrack, and the m-line gets no media.
//
// recvonly in place of inactive changes nothing else for such a
// transceiver: pion keeps its direction (inactive), takes no track from
// the m-line (none is sent on it) and answers inactive, as it would have.
// It records the remote direction as recvonly, though: a track this
// client added later could take the m-line (a receiving client adds
// none). A rejected m-line (port 0) is left as it is.
func (p *Peer) keepReceivers(offer string) string {
	stopped := map[string]bool{}
	for _, t := range p.PC.GetTransceivers() {
		if t.Mid() != "" && t.Direction() == pion.RTPTransceiverDirectionInactive {
			stopped[t.Mid()] = true
		}
	}
	if len(stopped) == 0 {
		return offer
	}
	d := &sdp.SessionDescription{}
	if d.UnmarshalString(offer) != nil {
		return offer // pion refuses it with its own error
	}
	changed := false
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "audio" && m.MediaName.Media != "video" || m.MediaName.Port.Value == 0 {
			continue
		}
		if mid, _ := m.Attribute("mid"); !stopped[mid] {
			continue
		}
		for i := range m.Attributes {
			if m.Attributes[i].Key == "inactive" {
				m.Attributes[i] = sdp.NewPropertyAttribute("recvonly")
				changed = true
			}
		}
	}
	if !changed {
		return offer
	}
	out, err := d.Marshal()
	if err != nil {
		return offer
	}
	return string(out)
}
