package load

import "errors"

// Sentinel errors.
var (
	errBadConfig  = errors.New("invalid load configuration")
	errBadReply   = errors.New("unexpected Janus reply")
	errClosed     = errors.New("janus client closed")
	errNoCodec    = errors.New("answer lacks a codec")
	errPeerFailed = errors.New("peer connection failed")
)
