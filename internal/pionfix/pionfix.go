// Package pionfix holds what Argus and its pion test clients do to make
// pion/webrtc (v4.2.26, v4.2.27) behave as browsers do where it does not.
package pionfix

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// KeepReceivers returns the offer to hand to pion's SetRemoteDescription
// on a PeerConnection with transceivers ts: offer itself, except that an
// audio or video m-line it leaves inactive whose transceiver here only
// receives or is inactive already is written recvonly.
//
// Why: pion stops a transceiver, and with it its receiver, on every offer
// that leaves its m-line inactive, where a browser only marks it inactive
// (only a rejected m-line, port 0, stops a transceiver). pion's answer
// swaps in a new receiver only for a stopped one that had a track, so a
// receiver stopped before any track came (a second inactive offer after
// a first; an inactive offer before the first packet of an m-line whose
// SDP named no SSRC) stays stopped. When a later offer sends on the
// m-line again (a client's track back after two renegotiations without
// it; a VideoRoom subscription reusing the m-line of an unsubscribed
// stream, as Janus does, keeping the mid), pion binds the new SSRC to the
// stopped receiver: it reads EOF ("Could not determine PayloadType ...
// EOF" in its log), fires no OnTrack, and the m-line gets no media.
//
// recvonly in place of inactive changes nothing else for such a
// transceiver: with nothing to send here, pion answers inactive either
// way and takes no track from the m-line (none is sent on it); a receiver
// that had a track is still swapped for a new one. What pion records as
// the remote direction says recvonly, though, so pion's AddTrack may then
// reuse that transceiver to send (Argus attaches tracks to a transceiver
// it names, webrtc.Peer.AttachTrack; a receiving client adds none), and
// a caller that reports the remote directions reads them from the offer
// it was given. A transceiver that sends is left alone (recvonly would
// change what it answers: pion would send to a peer that said inactive);
// ReleaseSenders, called first, makes such a transceiver one that only
// receives. A rejected m-line (port 0) is left as it is.
func KeepReceivers(offer string, ts []*pion.RTPTransceiver) string {
	idle := map[string]bool{} // mids of the transceivers that send nothing
	for _, t := range ts {
		if d := t.Direction(); t.Mid() != "" && (d == pion.RTPTransceiverDirectionInactive || d == pion.RTPTransceiverDirectionRecvonly) {
			idle[t.Mid()] = true
		}
	}
	if len(idle) == 0 || !strings.Contains(offer, "a=inactive") {
		return offer // nothing to keep: no parse of the offer
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
		if mid, _ := m.Attribute("mid"); !idle[mid] {
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

// ReleaseSenders removes from pc, as pc.RemoveTrack does, the sender of
// every transceiver that sends (sendrecv or sendonly) on an audio or
// video m-line that offer, about to be applied to pc, leaves inactive or
// sendonly (the peer will not receive there); it returns their mids.
// Call it before KeepReceivers, and only when pc is stable, where a
// peer's offer is due.
//
// Why, inactive: pion stops such a transceiver, sender and receiver, on
// that offer (see KeepReceivers), where a browser only marks it inactive
// and sends again when a later offer says sendrecv. The stopped sender
// stays on the transceiver: pion then answers that later offer recvonly,
// and the transceiver takes no new track (pion's AddTrack skips a
// transceiver with a sender, and so does webrtc.Peer.AttachTrack): an
// EchoTest m-line that a client re-enables is never echoed again.
// Removed here, the sender is gone as pion would have stopped it, but the
// transceiver is left receive-only (sendrecv) or inactive (sendonly):
// KeepReceivers then hands the m-line to pion recvonly, pion keeps a
// working receiver, answers inactive and sends nothing, and a plugin can
// attach a new track when the m-line comes back.
//
// Why, sendonly: pion answers with the transceiver's own direction, not
// lowered to what the offer allows, so a sendrecv transceiver answers a
// sendonly m-line sendrecv and goes on sending to a peer that said it
// will not receive. Without its sender the transceiver answers recvonly
// (inactive if it only sent) and sends nothing; pion does not stop it
// (its receiver goes on), so KeepReceivers has nothing to do there, and a
// plugin attaches a new track when the m-line is offered sendrecv again.
//
// The senders go before pion has seen the offer: if pion then refuses it
// (in v4.2.26 only a cryptex mismatch refuses an offer before changing
// any state), they are gone all the same, and the next AttachTrack on
// such a transceiver may fail with webrtc.ErrHasSender (pion's AddTrack
// skips a transceiver whose last negotiated direction sends); the client
// gets pion's error either way. A rejected m-line (port 0) is left to
// pion.
func ReleaseSenders(pc *pion.PeerConnection, offer *sdp.SessionDescription) ([]string, error) {
	var sending map[string]*pion.RTPSender // by mid
	for _, t := range pc.GetTransceivers() {
		d := t.Direction()
		if s := t.Sender(); s != nil && t.Mid() != "" && (d == pion.RTPTransceiverDirectionSendrecv || d == pion.RTPTransceiverDirectionSendonly) {
			if sending == nil {
				sending = map[string]*pion.RTPSender{}
			}
			sending[t.Mid()] = s
		}
	}
	if len(sending) == 0 {
		return nil, nil
	}
	var mids []string
	var errs []error
	for _, m := range offer.MediaDescriptions {
		if m.MediaName.Media != "audio" && m.MediaName.Media != "video" || m.MediaName.Port.Value == 0 {
			continue
		}
		_, inactive := m.Attribute("inactive")
		_, sendonly := m.Attribute("sendonly")
		if !inactive && !sendonly {
			continue
		}
		mid, _ := m.Attribute("mid")
		s := sending[mid]
		if s == nil {
			continue
		}
		if err := pc.RemoveTrack(s); err != nil {
			errs = append(errs, fmt.Errorf("pionfix: release the sender of mid %q: %w", mid, err))
			continue
		}
		mids = append(mids, mid)
	}
	return mids, errors.Join(errs...)
}
