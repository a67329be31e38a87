package webrtc

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
