package janusclient

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
)

// Client is a connection to a Janus API (or Admin API) endpoint.
type Client interface {
	// Do sends one raw request and returns its direct reply. Over HTTP,
	// sid and hid pick the path (/janus, /janus/<sid>, /janus/<sid>/<hid>);
	// over WebSocket they are ignored (ids travel in the body).
	Do(ctx context.Context, sid, hid uint64, raw []byte) (Msg, error)
	// Request adds a transaction (and, over WebSocket, the ids) to req and
	// sends it with Do.
	Request(ctx context.Context, sid, hid uint64, req Msg) (Msg, error)
	// Watch starts delivering the asynchronous messages of session sid
	// (the HTTP long poll; nothing to do over WebSocket).
	Watch(sid uint64)
	// Events yields asynchronous messages.
	Events() <-chan Msg
	// Dropped counts asynchronous messages dropped on a full buffer
	// (Options.DropEvents only).
	Dropped() uint64
	// Close ends the connection and every goroutine of the client.
	Close()
}

// Protocol names of the WebSocket transport.
const (
	ProtocolJanus = "janus-protocol"
	ProtocolAdmin = "janus-admin-protocol"
)

// Options tune a client; the zero value is usable.
type Options struct {
	// EventBuffer is the capacity of Events() (default 1024).
	EventBuffer int
	// DropEvents drops (and counts) asynchronous messages when Events()
	// is full instead of waiting for the consumer.
	DropEvents bool
	// Protocol is the WebSocket subprotocol (default ProtocolJanus).
	Protocol string
	// MaxMessage bounds one received WebSocket message (default 4 MiB).
	MaxMessage int64
}

func (o Options) withDefaults() Options {
	if o.EventBuffer <= 0 {
		o.EventBuffer = 1024
	}
	if o.Protocol == "" {
		o.Protocol = ProtocolJanus
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = 4 << 20
	}
	return o
}

// Dial opens a client for the URL's scheme: http(s) for REST plus long
// poll, ws(s) for WebSocket.
func Dial(ctx context.Context, raw string, o Options) (Client, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("janus url: %w", err)
	}
	switch u.Scheme {
	case "http", "https":
		return NewHTTP(raw, o), nil
	case "ws", "wss":
		c, err := DialWS(ctx, raw, o)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return c, nil
	default:
		return nil, fmt.Errorf("janus url scheme %q (want http, https, ws or wss)", u.Scheme)
	}
}

// events is the bounded asynchronous message queue of a client.
type events struct {
	ch      chan Msg
	drop    bool
	dropped atomic.Uint64
}

func newEvents(o Options) *events {
	return &events{ch: make(chan Msg, o.EventBuffer), drop: o.DropEvents}
}

// push queues m; false means ctx ended while waiting for room.
func (e *events) push(ctx context.Context, m Msg) bool {
	if e.drop {
		select {
		case e.ch <- m:
		default:
			e.dropped.Add(1)
		}
		return true
	}
	select {
	case e.ch <- m:
		return true
	case <-ctx.Done():
		return false
	}
}
