package coretest

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// Binding is a pion.TrackLocalContext for binding a local track without
// a PeerConnection: it offers VP8 (payload type 96) and H264 (102), and
// its write stream records what it is given (or, with Discard, drops it).
type Binding struct {
	Name    string
	Source  pion.SSRC
	Discard bool // drop writes instead of recording them (benchmarks)

	Headers  []rtp.Header // written headers, in order
	Payloads [][]byte     // copies of the written payloads, in order
}

// CodecParameters implements pion.TrackLocalContext.
func (b *Binding) CodecParameters() []pion.RTPCodecParameters {
	return []pion.RTPCodecParameters{
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96},
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeH264, ClockRate: 90000}, PayloadType: 102},
	}
}

// HeaderExtensions implements pion.TrackLocalContext.
func (*Binding) HeaderExtensions() []pion.RTPHeaderExtensionParameter { return nil }

// SSRC implements pion.TrackLocalContext.
func (b *Binding) SSRC() pion.SSRC { return b.Source }

// SSRCRetransmission implements pion.TrackLocalContext.
func (*Binding) SSRCRetransmission() pion.SSRC { return 0 }

// SSRCForwardErrorCorrection implements pion.TrackLocalContext.
func (*Binding) SSRCForwardErrorCorrection() pion.SSRC { return 0 }

// WriteStream implements pion.TrackLocalContext.
func (b *Binding) WriteStream() pion.TrackLocalWriter { return b }

// ID implements pion.TrackLocalContext.
func (b *Binding) ID() string { return b.Name }

// RTCPReader implements pion.TrackLocalContext.
func (*Binding) RTCPReader() interceptor.RTCPReader { return nil }

// WriteRTP implements pion.TrackLocalWriter.
func (b *Binding) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if !b.Discard {
		b.Headers = append(b.Headers, *h)
		b.Payloads = append(b.Payloads, append([]byte(nil), payload...))
	}
	return len(payload), nil
}

// Write implements pion.TrackLocalWriter.
func (*Binding) Write(p []byte) (int, error) { return len(p), nil }
