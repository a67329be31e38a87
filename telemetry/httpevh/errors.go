package httpevh

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrBadURL is returned by New when the backend URL does not start with "http".
	ErrBadURL = errors.New("httpevh: backend URL must start with http")
	// ErrBadConfig is returned by New and the registry factory for invalid settings.
	ErrBadConfig = errors.New("httpevh: invalid config")
	// ErrStatus wraps a non-2xx response: unlike Janus, that is a failure.
	ErrStatus = errors.New("httpevh: backend answered non-2xx")
	// ErrDropped wraps the last error of a batch dropped after its retries.
	ErrDropped = errors.New("httpevh: batch dropped after retries")
)
