package testpeer

import (
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testpeer/slownet"
)

// Codecs picks the codec set of the MediaEngine.
type Codecs int

const (
	// CodecsBrowser registers Opus (111, minptime=10;useinbandfec=1) and
	// VP8 (96) with Config.Feedback, as a browser offers them (no RTX).
	CodecsBrowser Codecs = iota
	// CodecsPion registers pion's default codecs (RegisterDefaultCodecs).
	CodecsPion
)

// Payload types of CodecsBrowser.
const (
	OpusPT = 111
	VP8PT  = 96
)

// BrowserFeedback is the RTCP feedback a browser offers with VP8:
// nack, nack pli, ccm fir, goog-remb and transport-cc.
func BrowserFeedback() []pion.RTCPFeedback {
	return []pion.RTCPFeedback{
		{Type: "goog-remb"}, {Type: "transport-cc"}, {Type: "ccm", Parameter: "fir"},
		{Type: "nack"}, {Type: "nack", Parameter: "pli"},
	}
}

// Config shapes a Peer. The zero value is a browser-codec peer with no
// feedback, no tracks, loopback candidates only.
type Config struct {
	Codecs Codecs
	// Feedback is offered with VP8 (CodecsBrowser only); with
	// transport-cc the transport-wide sequence header extension is
	// registered too.
	Feedback []pion.RTCPFeedback
	// AudioLevel registers the ssrc-audio-level header extension; the
	// sender then tags audio with level 127 (silence) or 10 (Peer.Loud).
	AudioLevel bool
	// VideoExtensions are more RTP header extension URIs registered for
	// video (e.g. sdp.SDESMidURI and sdp.SDESRTPStreamIDURI for simulcast).
	VideoExtensions []string
	// Interceptors registers pion's default interceptors (NACK generator
	// and responder, RTCP reports, stats, TWCC), after Extra.
	Interceptors bool
	// Extra interceptors are registered first (the innermost RTCP writer).
	Extra []interceptor.Factory

	// Network limits ICE candidates to one network; nil: loopback only.
	Network *net.IPNet
	// AnyAddress keeps loopback candidates but filters no address.
	AnyAddress bool
	// UDPMux, if set, carries ICE for this Peer (e.g. one socket shared
	// by every Peer of a load run) instead of a socket of its own; its
	// listen addresses are the host candidates, so Network and AnyAddress
	// do not filter them: the mux's owner chooses them.
	UDPMux ice.UDPMux
	// SlowLink, if set, slows the client's UDP sockets in both directions
	// (each way the same delay, jitter, rate and queue): a slow link in
	// process, where the kernel has no netem. Peer.Link counts its packets.
	SlowLink *slownet.Link
	// NoReplayProtection disables SRTP replay protection (a NACKed packet
	// resent with its original sequence number would be dropped).
	NoReplayProtection bool

	// Audio and Video add an Opus and a VP8 track to send.
	Audio, Video bool
	// StreamID is the tracks' stream id (default "testpeer").
	StreamID string
	// DataChannel creates the "JanusDataChannel" data channel.
	DataChannel bool

	// History is how many sent video packets are kept to answer NACKs
	// (0: NACKs are only counted). Audio keeps none: a browser offers
	// nack for video only.
	History int
	// AnswerPLI makes the next video frame a key frame after a PLI or FIR.
	AnswerPLI bool
	// TrackSeqs records, per received m-line, how often each sequence
	// number arrived.
	TrackSeqs bool
}
