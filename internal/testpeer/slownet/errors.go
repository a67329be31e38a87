package slownet

import "errors"

// ErrNotConnected is a Write on a socket that has no remote address
// (use WriteTo).
var ErrNotConnected = errors.New("slownet: socket not connected")
