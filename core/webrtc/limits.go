package webrtc

import pion "github.com/pion/webrtc/v4"

// RefusalCounter counts what the engine's bounds dropped, by limit name
// (the Limit* constants below; argus_limit_refused_total labels them).
// It is called on media paths, so it must be cheap and never block (an
// atomic add).
type RefusalCounter interface {
	Refused(limit string, n int)
}

// Names of the engine's limits, as RefusalCounter receives them.
const (
	// LimitNACKResends counts the retransmissions a NACK asked for
	// beyond the stream's retransmit budget (nackresponder.go).
	LimitNACKResends = "nack_resends"
	// LimitDataChannelBuffer counts the data channel messages dropped
	// because the channel already buffers more than MaxDataChannelBuffered
	// (SendData).
	LimitDataChannelBuffer = "datachannel_buffer"
)

// MaxDataChannelBuffered is how many bytes a data channel may have queued
// for sending before a plugin drops what it would add (DataChannelFull).
// SCTP queues whatever is sent while the peer's receive window is closed,
// without limit: a client that stops reading, or advertises a zero
// window, would make Argus hold every message it relays or echoes. A
// browser's receive buffer is a few hundred KB, so a channel that keeps
// up never gets near this.
const MaxDataChannelBuffered = 1 << 20

// DataChannelFull reports whether dc already buffers more than
// MaxDataChannelBuffered bytes, so that a message to send on it must be
// dropped instead; it counts that drop (LimitDataChannelBuffer).
func (p *Peer) DataChannelFull(dc *pion.DataChannel) bool {
	if dc.BufferedAmount() <= MaxDataChannelBuffered {
		return false
	}
	if p.cfg.Refusals != nil {
		p.cfg.Refusals.Refused(LimitDataChannelBuffer, 1)
	}
	return true
}
