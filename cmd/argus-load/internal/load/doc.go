// Package load drives concurrent Janus EchoTest sessions, or VideoRoom
// publishers each with subscribers, against a Janus API server (Argus or
// real Janus) and measures what comes back.
//
// Each client opens its own Janus API connection (internal/janusclient:
// WebSocket janus-protocol for ws:// URLs, REST + long poll for http://),
// creates a Janus session and attaches the plugin. Its PeerConnection is
// an internal/testpeer peer that offers what a browser offers (Opus and
// VP8 with nack, nack pli, ccm fir, goog-remb and transport-cc), answers
// NACKs from a send history and PLI/FIR with a key frame, and sends RTP
// at the configured rates once connected (non-trickle: every candidate is
// in the SDP, jsep.trickle false).
//
// EchoTest counts the echoed packets and bytes per kind. VideoRoom
// creates a room per publisher (or joins Config.Room), publishes with
// joinandconfigure, subscribes Subscribers clients (join with streams,
// start with the answer), then opens a measurement window of Duration:
// the publisher tags the window's packets (last payload byte) so that
// each subscriber counts exactly those, and loss is expected (sent ×
// subscribers) against received. Run returns a Result that
// cmd/argus-load prints as JSON.
package load
