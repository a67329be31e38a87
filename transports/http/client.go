package http

import "github.com/argusrtc/argus/core"

// client is the core.Client of one HTTP request. Its asynchronous messages go
// to the transport's shared per-session queues, so a long poll on any
// connection sees them.
type client struct {
	info core.TransportInfo
	qs   *queues
}

// Info returns the request's transport info.
func (c *client) Info() core.TransportInfo { return c.info }

// Push queues msg for session s's long polls; it never blocks.
func (c *client) Push(s core.SessionID, msg []byte) { c.qs.push(s, msg) }

// SessionOver deletes session s's queue.
func (c *client) SessionOver(s core.SessionID, _, _ bool) { c.qs.end(s) }

var _ core.Client = (*client)(nil)
