// Package janusclient is the one Janus API client of Argus's tests and of
// cmd/argus-load: the HTTP transport (REST requests plus the session long
// poll) and the WebSocket transport (janus-protocol or
// janus-admin-protocol), with helpers for the request flow (create,
// attach, message with a synchronous or asynchronous answer, trickle,
// keepalive, hangup, detach, destroy) and an Inbox to wait for events.
//
// It speaks to Argus and to a real Janus alike (janus-reference.md 1.6 and
// 1.7). Numbers in replies stay json.Number, so 53-bit ids are exact.
//
// Asynchronous messages (events, webrtcup, media, hangup, trickle, ...)
// arrive on Events(), a channel of bounded capacity (Options.EventBuffer,
// 1024 by default). When it is full the reader either waits for the
// consumer (the default: tests must not lose an event) or, with
// Options.DropEvents, drops the message and counts it in Dropped() (load
// generation, where an idle consumer must never stall replies).
// Keepalive messages are never delivered.
package janusclient
