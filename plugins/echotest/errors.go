package echotest

import "errors"

// Sentinel errors.
var (
	errType      = errors.New("wrong JSON type")
	errQueueFull = errors.New("too many pending messages")
	errNoCodec   = errors.New("no codec negotiated")
)
