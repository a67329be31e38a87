package webrtc

import "errors"

// Sentinel errors, matched with errors.Is by the core to pick Janus codes
// (janus-reference.md 1.3, "message" and "trickle").
var (
	ErrInvalidSDP       = errors.New("invalid SDP")                       // 465
	ErrUnexpectedAnswer = errors.New("unexpected ANSWER (did we offer?)") // 469
	ErrClosed           = errors.New("peer connection closed")            // 471
	ErrInvalidCandidate = errors.New("invalid candidate")
	// ErrTooManyCandidates means a trickled candidate was dropped: the
	// PeerConnection already has MaxRemoteCandidates remote ones.
	ErrTooManyCandidates = errors.New("too many remote candidates")
	// ErrGatheringTimeout means ICE gathering did not complete before the
	// caller's context ended; it wraps the context's error too.
	ErrGatheringTimeout = errors.New("ICE gathering did not complete")
)

// ErrNoRemoteOffer means CreateAnswer was called without a remote offer.
var ErrNoRemoteOffer = errors.New("no remote offer to answer")

// ErrNoTrack means AttachTrack was given a nil transceiver or track.
var ErrNoTrack = errors.New("nil transceiver or track")

// ErrHasSender means AttachTrack's transceiver could not get the track:
// it already sends one, or the PeerConnection would not attach it there.
var ErrHasSender = errors.New("transceiver cannot take the track")

// errNoRTCPTicker means a TWCC factory was built without the Engine's
// rtcpTicker, which sends the feedback.
var errNoRTCPTicker = errors.New("webrtc: TWCC feedback without an RTCP ticker")

// ErrPortConfig means Config asks for a shared UDP port together with an
// ICE port range, or gives ICEUDPPort without SharedUDP.
var ErrPortConfig = errors.New("inconsistent ICE port settings")

// ErrNoSharedAddress means Config asks for a shared UDP port on a fixed
// port (ICEUDPPort) but no local address could carry it at start: falling
// back to a socket per PeerConnection would use ports nobody published.
var ErrNoSharedAddress = errors.New("no local address for the fixed shared ICE UDP port")

// ErrNATConfig means a nat_1_1_mapping entry (Config.NAT1To1IPs) is not a
// unicast IP address without a zone, nor "public/local" with two.
var ErrNATConfig = errors.New("invalid nat_1_1_mapping")

// ErrICELiteConfig means Config asks for ICE-lite with STUN servers: a
// lite agent gathers host candidates only (RFC 8445 2.5), and pion refuses
// every PeerConnection of such a setting.
var ErrICELiteConfig = errors.New("ICE-lite cannot use STUN servers")
