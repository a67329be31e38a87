// Package unix is the Janus API and Admin API over Unix sockets, Janus's
// janus.transport.pfunix: one JSON request per SOCK_SEQPACKET packet (a
// connection owns the sessions it created, as a WebSocket does) or per
// SOCK_DGRAM datagram (each bound peer address is one client; an unbound
// sender cannot be answered and is ignored).
//
// Flags: -unix PATH and -admin-unix PATH, -unix-type and -admin-unix-type
// (SOCK_SEQPACKET, the default, or SOCK_DGRAM), -unix-json (the layout of
// what both sockets send: indented, Janus's default, plain or compact).
//
// Transport events (type 128): {"event":"connected","admin_api":B,"path":S}
// when a connection is accepted (a datagram peer first seen, whose event
// also has "type":"SOCK_DGRAM", as Janus's) and {"event":"disconnected"}
// when it closes; "path" is the listening socket.
//
// Compared with Janus 1.1.2's pfunix (SOCK_SEQPACKET Janus API,
// SOCK_DGRAM Admin API) by test/janusref.
package unix
