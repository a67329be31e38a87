package load

import (
	"context"
	"net/url"
)

// client is a Janus API connection used by one load session.
type client interface {
	// request adds a transaction (and the ids where the transport needs
	// them) to req, sends it and returns the direct reply.
	request(ctx context.Context, sid, hid uint64, req msg) (msg, error)
	// watch starts delivering session sid's asynchronous messages.
	watch(sid uint64)
	// events yields asynchronous messages (events, webrtcup, trickle, ...).
	events() <-chan msg
	close()
}

// dial opens a client for the URL's scheme.
func dial(ctx context.Context, raw string) (client, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "http", "https":
		return newHTTPClient(raw), nil
	default:
		c, err := dialWS(ctx, raw)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return c, nil
	}
}
