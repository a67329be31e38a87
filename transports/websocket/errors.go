package websocket

import "errors"

// Sentinel errors.
var (
	// ErrQueueFull means a connection's write queue overflowed; the
	// connection is closed.
	ErrQueueFull = errors.New("websocket transport: write queue full")
	// ErrClosed means the transport was closed.
	ErrClosed = errors.New("websocket transport: closed")
)
