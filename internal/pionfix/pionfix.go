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
		if !liveMedia(m) {
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
	return rewritten(offer, d, changed)
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
		if !liveMedia(m) {
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

// idleSSRC is the a=ssrc value FenceIdle writes: SSRC 0 with a cname
// that says what it is. pion reads no SSRC line of an m-line that does
// not send (it declares no stream); only its presence counts.
const idleSSRC = "0 cname:argus-idle"

// FenceIdle returns the offer to hand to pion's SetRemoteDescription
// (after KeepReceivers): offer itself, except that each audio or video
// m-line it leaves recvonly or inactive (not rejected) that names no SSRC
// and no RID gets one a=ssrc line (idleSSRC).
//
// Why: pion (v4.2.26) hands a packet of an SSRC that no sending m-line
// names to heuristics. When the remote description is an offer with one
// m-line it takes that m-line; when the mid header extension was not
// negotiated (a client that offers none), it picks the m-line by the
// packet's payload type; then, if that m-line names no SSRC and no RID,
// it adds a transceiver of its own (no mid, no m-line) for the SSRC and
// fires OnTrack with it.
// Such a packet comes after an offer that left the client's m-line
// inactive: one sent before, late on the way (a loaded host, a network
// queue), reaches pion after the answer stopped the receiver that read
// its SSRC, and the inactive m-line names none. The extra transceiver
// then holds the SSRC for the rest of the PeerConnection: when the client
// offers the m-line sendrecv again with the same SSRC (as a browser does),
// pion skips that SSRC as already received, the m-line's own receiver
// never gets it, and its plugin (an EchoTest echo, a VideoRoom stream)
// has nothing to relay on that m-line however long the client sends.
// An m-line with an a=ssrc line makes pion refuse the heuristic (it logs
// "Incoming unhandled RTP ssrc"): no OnTrack, the SSRC's packets wait
// unread in their SRTP stream (its buffer is bounded), as a browser
// ignores media on an m-line it holds inactive, and the m-line's own
// receiver reads that stream when the m-line is back.
//
// The line changes nothing else: pion reads the SSRC lines of sending
// m-lines only (its receivers, its answer), and the core reports the
// remote description from the offer it was given (events, handle_info);
// who reads pion's copy (pc.RemoteDescription(), as the VideoRoom's
// publisher does for mids, kinds and fmtp) finds the placeholder there,
// and recvonly where KeepReceivers changed inactive. An m-line
// that sends is left alone (with no SSRC named, the heuristic is how pion
// finds its stream), and so are a rejected one (port 0, not bundle-only) and one with RIDs
// (pion's heuristic leaves those to the rid header extension).
func FenceIdle(offer string) string {
	if !strings.Contains(offer, "a=inactive") && !strings.Contains(offer, "a=recvonly") {
		return offer // no m-line to fence: no parse of the offer
	}
	d := &sdp.SessionDescription{}
	if d.UnmarshalString(offer) != nil {
		return offer // pion refuses it with its own error
	}
	session, _ := direction(d.Attributes) // the direction of m-lines that name none
	changed := false
	for _, m := range d.MediaDescriptions {
		if !liveMedia(m) {
			continue
		}
		dir, named := direction(m.Attributes)
		if dir == "" {
			dir = session
		}
		if (dir == "recvonly" || dir == "inactive") && !named {
			m.Attributes = append(m.Attributes, sdp.NewAttribute("ssrc", idleSSRC))
			changed = true
		}
	}
	return rewritten(offer, d, changed)
}

// direction is the direction attrs name ("" when none; the first one,
// as pion reads it, when a malformed list names several), and whether
// they name an SSRC or a RID.
func direction(attrs []sdp.Attribute) (dir string, named bool) {
	for _, a := range attrs {
		switch a.Key {
		case "sendrecv", "sendonly", "recvonly", "inactive":
			if dir == "" {
				dir = a.Key
			}
		case "ssrc", "rid":
			named = true
		}
	}
	return dir, named
}

// liveMedia says whether m is an audio or video m-line that is not
// rejected: its port is not 0, or it is 0 with a=bundle-only (RFC 8843:
// it rides on the bundle's transport). The kind is matched in any case,
// as pion matches it.
func liveMedia(m *sdp.MediaDescription) bool {
	kind := strings.ToLower(m.MediaName.Media)
	if kind != "audio" && kind != "video" {
		return false
	}
	if m.MediaName.Port.Value != 0 {
		return true
	}
	_, bundleOnly := m.Attribute("bundle-only")
	return bundleOnly
}

// rewritten is d as text when changed, else offer itself (also when d
// does not marshal: pion then reads the client's offer, and refuses it
// with its own error if it must).
func rewritten(offer string, d *sdp.SessionDescription, changed bool) string {
	if !changed {
		return offer
	}
	out, err := d.Marshal()
	if err != nil {
		return offer
	}
	return string(out)
}
