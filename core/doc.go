// Package core is Argus's transport-neutral Janus gateway: sessions,
// handles, plugins, authentication, the Janus API and the Admin API
// (janus-reference.md sections 1 to 3), and the session, handle, external
// and core events of section 4.
//
// Transports hand every request to Gateway.HandleJanus or
// Gateway.HandleAdmin with the Client (connection) it arrived on and the
// ids found in the request path; the returned bytes are the direct
// response, always a compact JSON object (Janus's error shapes included).
// Asynchronous messages (plugin events, webrtcup, media, slowlink, hangup,
// detached, timeout) are delivered with Client.Push to the session's source
// connection. Transports re-indent the JSON if configured to.
//
// Plugins register a constructor with RegisterPlugin from their init
// function; New instantiates and initialises them. The core never imports a
// plugin, a transport or an exporter: it emits telemetry.Events through the
// configured Emitter, and builds PeerConnections through core/webrtc.
//
// Client implementations must be comparable (pointer types): the core
// matches a session's source with == in TransportGone and claim.
package core
