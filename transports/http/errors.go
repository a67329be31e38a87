package http

import "errors"

// Sentinel errors of the path parser.
var (
	// ErrBadPath means the URL path is not a Janus API path (HTTP 404).
	ErrBadPath = errors.New("http transport: not a Janus API path")
	// ErrBadID means a path segment is not a valid session or handle id (HTTP 404).
	ErrBadID = errors.New("http transport: invalid id in path")
)
