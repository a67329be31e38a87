package evhkit

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrBadSetting reports an unknown or malformed -sink-opt setting.
	ErrBadSetting = errors.New("evhkit: invalid setting")
	// ErrBackoff is returned while the connection is down and the next
	// reconnect attempt is not yet due: the events are dropped.
	ErrBackoff = errors.New("evhkit: not connected, waiting to reconnect")
	// ErrClosed is returned after Shutdown.
	ErrClosed = errors.New("evhkit: sink is shut down")
)
