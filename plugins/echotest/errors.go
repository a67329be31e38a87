package echotest

import "errors"

// Sentinel errors.
var (
	errType    = errors.New("wrong JSON type")
	errNoCodec = errors.New("no codec negotiated")
)
