package e2e

import (
	"context"

	"github.com/argusrtc/argus/internal/janusclient"
)

// The tests' Janus API client is internal/janusclient; these names keep
// the tests' vocabulary.
type (
	// msg is a decoded Janus message; numbers stay json.Number so 53-bit
	// ids are exact.
	msg = janusclient.Msg
	// janusClient is a Janus API client over HTTP long poll or WebSocket.
	janusClient = janusclient.Client
)

// decode parses one Janus JSON reply.
func decode(b []byte) (msg, error) { return janusclient.Decode(b) }

// dialWS connects a janus-protocol WebSocket client.
func dialWS(ctx context.Context, url string) (janusClient, error) {
	c, err := janusclient.DialWS(ctx, url, janusclient.Options{})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return c, nil
}
