package telemetry

import "errors"

// Sentinel errors of the bus and the sink registry; match them with errors.Is.
var (
	// ErrShutdown is returned by Attach and ForceFlush once Shutdown has begun.
	ErrShutdown = errors.New("telemetry: bus is shut down")
	// ErrDuplicateSink is returned by Attach when the name is already in use.
	ErrDuplicateSink = errors.New("telemetry: sink name already attached")
	// ErrInvalidSink is returned by Attach for a nil sink or an empty name.
	ErrInvalidSink = errors.New("telemetry: invalid sink")
	// ErrUnknownSink is returned by NewSink and SetMask for a name nobody registered or attached.
	ErrUnknownSink = errors.New("telemetry: unknown sink")
	// ErrBadID is returned when a VideoRoom id is neither an unsigned
	// integer nor a string.
	ErrBadID = errors.New("telemetry: id is not an unsigned integer or a string")
)
