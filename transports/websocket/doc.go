// Package websocket is the Janus WebSocket transport
// ("janus.transport.websockets", janus-reference.md section 1.7), built on
// github.com/coder/websocket.
//
// One Transport serves one API: the Janus API with subprotocol
// "janus-protocol", or, with Config.Admin, the Admin API with
// "janus-admin-protocol". The composition root serves Handler() on :8188
// (and an admin Transport on :7188) and calls Close on shutdown.
//
// Subprotocol policy: a client that offers our subprotocol gets it; a client
// that offers none is accepted and spoken to in our protocol, as
// libwebsockets-based Janus builds commonly did (janus-reference.md 9.2); a
// client that offers only other subprotocols is rejected with HTTP 400,
// since a browser would fail such a handshake anyway.
//
// A text or binary message may hold several concatenated JSON values; each is
// handed to the gateway in order, and a parse error yields one 454 error
// after the values before it were processed. Requests other than "message"
// (Admin: "message_plugin") run in arrival order on the reading goroutine;
// "message" requests run concurrently (bounded per connection), as Janus
// dispatches them to a thread pool (janus-reference.md 1.2).
//
// Every response and every asynchronous message of sessions sourced on the
// connection goes through a bounded per-connection queue drained by one
// writer goroutine, so the core never blocks on a slow client; a full queue
// closes the connection. On close the gateway is told (TransportGone).
package websocket
