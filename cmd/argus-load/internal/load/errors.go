package load

import "errors"

// Sentinel errors.
var (
	errBadConfig = errors.New("invalid load configuration")
	errBadReply  = errors.New("unexpected Janus reply")
	errNoCodec   = errors.New("answer lacks a codec")
)
