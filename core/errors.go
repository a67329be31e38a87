package core

import (
	"errors"
	"fmt"
	"strings"
)

// Janus API error codes (janus-reference.md 1.9, src/apierror.h).
const (
	CodeOK                   = 0
	CodeUnauthorized         = 403
	CodeUnauthorizedPlugin   = 405
	CodeTransportSpecific    = 450
	CodeMissingRequest       = 452
	CodeUnknownRequest       = 453
	CodeInvalidJSON          = 454
	CodeInvalidJSONObject    = 455
	CodeMissingMandatory     = 456
	CodeInvalidRequestPath   = 457
	CodeSessionNotFound      = 458
	CodeHandleNotFound       = 459
	CodePluginNotFound       = 460
	CodePluginAttach         = 461
	CodePluginMessage        = 462
	CodePluginDetach         = 463
	CodeJSEPUnknownType      = 464
	CodeJSEPInvalidSDP       = 465
	CodeTrickleInvalidStream = 466
	CodeInvalidElementType   = 467
	CodeSessionConflict      = 468
	CodeUnexpectedAnswer     = 469
	CodeTokenNotFound        = 470
	CodeWebRTCState          = 471
	CodeNotAcceptingSessions = 472
	CodeUnknown              = 490
)

// ErrorText returns the default Janus reason text of an error code; unknown
// codes map to "Unknown error" as in Janus.
func ErrorText(code int) string {
	switch code {
	case CodeOK:
		return "Success"
	case CodeUnauthorized:
		return "Unauthorized request (wrong or missing secret/token)"
	case CodeUnauthorizedPlugin:
		return "Unauthorized access to plugin (token is not allowed to)"
	case CodeTransportSpecific:
		return "Transport specific error"
	case CodeMissingRequest:
		return "Missing request"
	case CodeUnknownRequest:
		return "Unknown request"
	case CodeInvalidJSON:
		return "Invalid JSON"
	case CodeInvalidJSONObject:
		return "Invalid JSON Object"
	case CodeMissingMandatory:
		return "Missing mandatory element"
	case CodeInvalidRequestPath:
		return "Invalid path for this request"
	case CodeSessionNotFound:
		return "Session not found"
	case CodeHandleNotFound:
		return "Handle not found"
	case CodePluginNotFound:
		return "Plugin not found"
	case CodePluginAttach:
		return "Error attaching plugin"
	case CodePluginMessage:
		return "Error sending message to plugin"
	case CodePluginDetach:
		return "Error detaching from plugin"
	case CodeJSEPUnknownType:
		return "Unsupported JSEP type"
	case CodeJSEPInvalidSDP:
		return "Invalid SDP"
	case CodeTrickleInvalidStream:
		return "Invalid stream"
	case CodeInvalidElementType:
		return "Invalid element type"
	case CodeSessionConflict:
		return "Session ID already in use"
	case CodeUnexpectedAnswer:
		return "Unexpected ANSWER (no OFFER)"
	case CodeTokenNotFound:
		return "Token not found"
	case CodeWebRTCState:
		return "Wrong WebRTC state"
	case CodeNotAcceptingSessions:
		return "Currently not accepting new sessions"
	default:
		return "Unknown error"
	}
}

// APIError is a Janus API error: a code from the table above and a reason.
type APIError struct {
	Code   int
	Reason string
}

func (e *APIError) Error() string { return fmt.Sprintf("janus error %d: %s", e.Code, e.Reason) }

// apiErr builds an APIError; an empty format uses the default text.
func apiErr(code int, format string, args ...any) *APIError {
	if format == "" {
		return &APIError{Code: code, Reason: ErrorText(code)}
	}
	return &APIError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Sentinel errors.
var (
	// ErrNoEngine is returned by Handle.Peer when the gateway has no WebRTC engine.
	ErrNoEngine = errors.New("core: no WebRTC engine configured")
	// ErrHandleGone is returned by Handle methods once the handle is detached.
	ErrHandleGone = errors.New("core: handle detached")
	// ErrUnknownPlugin is returned by New for a Config.Plugins entry that is not registered.
	ErrUnknownPlugin = errors.New("core: unknown plugin")
	// ErrDuplicatePlugin is returned by New when two plugins share a package name.
	ErrDuplicatePlugin = errors.New("core: duplicate plugin")
	// ErrStillCleaning is returned by Handle.Peer when the previous
	// PeerConnection did not finish closing within 3 s (Janus 471).
	ErrStillCleaning = errors.New("core: still cleaning a previous PeerConnection")
	// ErrTooManyPeers is returned by Handle.Peer when Limits.MaxPeerConnections
	// PeerConnections are live, or Limits.MaxPeerConnectionsPerIP under the
	// session's client address.
	ErrTooManyPeers = errors.New("core: too many PeerConnections")
)

// ErrorReason is the text of err, one of the core's errors (wrapped or
// not), as a client reads it in an error reason: without the Go package
// prefix ("too many PeerConnections (limit 4)").
func ErrorReason(err error) string {
	return strings.TrimPrefix(err.Error(), "core: ")
}
