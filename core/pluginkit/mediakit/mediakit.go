// Package mediakit holds the small pion helpers that media plugins share:
// naming a negotiated codec, pinning a transceiver to one codec and its
// RTX, and capping a sender's bitrate with REMB. It keeps the plugins'
// media code about their own logic (see core/pluginkit for sessions).
package mediakit

import (
	"strconv"
	"strings"

	"github.com/pion/rtcp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/webrtc"
)

// CodecName is the lower-case codec of a MIME type: "video/VP8" → "vp8".
func CodecName(mime string) string {
	if i := strings.IndexByte(mime, '/'); i >= 0 {
		mime = mime[i+1:]
	}
	return strings.ToLower(mime)
}

// ReceiverMid is the mid of pc's transceiver that owns r ("" when none
// does): what an OnTrack callback needs to find the track's m-line.
func ReceiverMid(pc *pion.PeerConnection, r *pion.RTPReceiver) string {
	for _, t := range pc.GetTransceivers() {
		if t.Receiver() == r {
			return t.Mid()
		}
	}
	return ""
}

// WithRTX returns codec plus its RTX companion among all (the RTX codec
// whose fmtp is apt=<codec's payload type>), for SetCodecPreferences.
func WithRTX(all []pion.RTPCodecParameters, codec pion.RTPCodecParameters) []pion.RTPCodecParameters {
	out := []pion.RTPCodecParameters{codec}
	for _, c := range all {
		if strings.EqualFold(c.MimeType, pion.MimeTypeRTX) && c.SDPFmtpLine == "apt="+strconv.Itoa(int(codec.PayloadType)) {
			out = append(out, c)
		}
	}
	return out
}

// RTCPWriter is the part of a PeerConnection WriteREMB uses.
type RTCPWriter interface {
	WriteRTCP(pkts []rtcp.Packet) error
}

// WriteREMB asks the sender of ssrcs to stay under bps (RFC draft
// alvestrand-rmcat-remb); with no SSRC it sends nothing. Errors are
// returned for the caller to ignore: a closing PeerConnection refuses.
func WriteREMB(pc RTCPWriter, bps uint64, ssrcs []uint32) error {
	if len(ssrcs) == 0 {
		return nil
	}
	return pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: float32(bps), SSRCs: ssrcs}})
}

// Media is a plugin's state for one PeerConnection of a handle.
type Media interface {
	comparable
	// PeerOf is the PeerConnection the state belongs to.
	PeerOf() *webrtc.Peer
	// Stop ends the state's goroutines; it may be called more than once.
	Stop()
}

// ForPeer returns cur when it belongs to peer; otherwise it stops cur (if
// any: a renegotiation brought a new PeerConnection) and returns fresh().
// The caller holds the lock guarding cur and stores the result.
func ForPeer[M Media](cur M, peer *webrtc.Peer, fresh func() M) M {
	var none M
	if cur != none {
		if cur.PeerOf() == peer {
			return cur
		}
		cur.Stop()
	}
	return fresh()
}
