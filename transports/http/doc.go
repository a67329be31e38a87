// Package http is the Janus HTTP/REST transport ("janus.transport.http"):
// POST requests to /janus[/<session>[/<handle>]], GET /janus/info, the long
// poll GET /janus/<session>, and the same paths for the Admin API under
// /admin (janus-reference.md sections 1.6 and 3).
//
// The package exposes http.Handlers rather than a listener, so the
// composition root can mount the Janus API next to the demo pages and the
// Admin API next to /metrics:
//
//	t := http.New(http.Config{Gateway: gw, Emitter: bus, ServerName: name})
//	mux.Handle("/janus", t.JanusHandler())
//	mux.Handle("/janus/", t.JanusHandler())
//	adminMux.Handle("/admin", t.AdminHandler())
//	adminMux.Handle("/admin/", t.AdminHandler())
//	defer t.Close()
//
// Asynchronous messages of sessions created over HTTP are queued per session
// in the transport, whichever request created the session, and any long poll
// of that session drains them. A queue is bounded (the oldest message is
// dropped and logged when full) and is deleted when the core calls
// SessionOver. A poll parked at that moment takes what is left (a "timeout"
// message); with nothing left it stays parked until its own timeout, as in
// Janus, so janus.js does not poll a session that is gone.
//
// Deliberate differences from Janus 1.1.2: a POST with an empty body gets a
// 454 "Request payload missing" error instead of a dropped connection; a body
// larger than Config.MaxBody gets 454 "Request payload too large"; the 302 of
// a GET on a handle path keeps the query string; GET on an Admin session path
// (the Admin API has no long poll) is 404.
package http
