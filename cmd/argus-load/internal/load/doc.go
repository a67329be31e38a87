// Package load drives concurrent Janus EchoTest sessions against a Janus
// API server (Argus or real Janus) and measures what comes back.
//
// Each session opens its own Janus API connection (WebSocket janus-protocol
// for ws:// URLs, REST + long poll for http:// URLs), creates a Janus
// session, attaches janus.plugin.echotest, sends a non-trickle offer
// (Opus + VP8, all candidates in the SDP, jsep.trickle false), and once the
// PeerConnection is connected sends RTP at configured rates. The echoed
// packets and bytes are counted per kind; Run returns a Result that
// cmd/argus-load prints as JSON.
package load
