package core

// TransportInfo identifies a transport connection (the "source" of a session).
type TransportInfo struct {
	Package    string // "janus.transport.http" or "janus.transport.websockets"
	ConnID     uint64 // stable per connection; rendered as a decimal string in events
	RemoteIP   string
	RemotePort int
	LocalIP    string // the listener's address, for HEP dst
	LocalPort  int
	Admin      bool
	// PerIP marks RemoteIP as the client's own address, so that
	// Limits.MaxSessionsPerIP counts the sessions it creates. HTTP and
	// WebSocket set it; broker transports (their RemoteIP is the broker's,
	// shared by every client) and Unix sockets (a path) do not.
	PerIP bool
}

// Client is a transport connection as the core sees it: where a session's
// asynchronous messages go. Implementations must not block.
type Client interface {
	Info() TransportInfo
	// Push delivers an asynchronous JSON message of session s.
	Push(s SessionID, msg []byte)
	// SessionOver tells the transport that session s, sourced on this
	// client, is over (destroyed, timed out, or claimed by another client).
	SessionOver(s SessionID, timedOut, claimed bool)
}

// PathIDs are the ids a transport found in the request path (HTTP); zero
// means absent. The core checks them against the body (Janus 457).
type PathIDs struct {
	Session SessionID
	Handle  HandleID
}
