package videoroom

import (
	"errors"
	"fmt"
)

// VideoRoom error codes (janus-reference.md 6.2).
const (
	errUnknown          = 499
	errNoMessage        = 421
	errInvalidJSON      = 422
	errInvalidRequest   = 423
	errJoinFirst        = 424
	errAlreadyJoined    = 425
	errNoSuchRoom       = 426
	errRoomExists       = 427
	errNoSuchFeed       = 428
	errMissingElement   = 429
	errInvalidElement   = 430
	errInvalidSDPType   = 431
	errPublishersFull   = 432
	errUnauthorized     = 433
	errAlreadyPublished = 434
	errNotPublished     = 435
	errIDExists         = 436
	errInvalidSDP       = 437
)

// Sentinel errors.
var (
	errNotAnInt    = errors.New("not a JSON integer")
	errClosedPeer  = errors.New("no PeerConnection")
	errBadConfig   = errors.New("videoroom: invalid configuration")
	errUnsupported = errors.New("not supported yet")
)

// vrError is a VideoRoom error answer: {"videoroom":"event","error_code","error"}.
type vrError struct {
	code int
	text string
}

func (e *vrError) Error() string { return e.text }

// data is the plugindata.data of the error.
func (e *vrError) data() map[string]any {
	return map[string]any{"videoroom": "event", "error_code": e.code, "error": e.text}
}

func newErr(code int, format string, args ...any) *vrError {
	return &vrError{code: code, text: fmt.Sprintf(format, args...)}
}

func noSuchRoom(id uint64) *vrError { return newErr(errNoSuchRoom, "No such room (%d)", id) }
