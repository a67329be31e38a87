// Package verdict turns the events Argus already emits into a verdict per
// PeerConnection and per session: an outcome an operator can trust, with the
// evidence behind it, and a summary of the session.
//
// A Tracker reads the event stream (it is a pure function of the events and
// their timestamps: no clock, no I/O), so any consumer can compute the same
// verdict at the moment it needs it. The Sink runs a Tracker on the bus and
// emits each verdict back onto the bus as a Janus event handler event of type
// 4 ("external", the type Janus gives to events that do not come from its
// core, janus-reference.md 4.4), with the body
//
//	{"schema": "argus.verdict", "data": {...}}
//
// and the session_id, handle_id and opaque_id of the PeerConnection or
// session in the header, so every sink (HTTP and broker events, HEP, the
// console, metrics) sees it and correlates it.
//
// # When a verdict is emitted
//
// A PeerConnection begins with the first JSEP of a handle that has none
// active, unless the handle's detach already closed its PeerConnection
// (hangup reason "Detach") or the handle detached: a JSEP after that (a
// plugin's renegotiation that raced the detach) starts none. It ends at its
// hangup; its verdict waits for the final media
// report (Janus sends one more report after the hangup) and is emitted when
// the handle detaches, when the handle starts a new PeerConnection, when the
// session ends, or once events at least FinalReportGrace later than the
// hangup arrive, whichever comes first. A session's verdict (with its
// summary) follows the verdicts of its PeerConnections when the session is
// destroyed or times out.
//
// # Rules
//
// The first rule that matches is the outcome; every rule that matched is
// listed in "findings", so nothing is hidden behind the outcome.
//
// The direction an m-line is judged with is the one of the gateway's last
// SDP, plus every direction the m-line carried RTP in over the
// PeerConnection's life: a VideoRoom subscriber whose feed left (its last
// offer made the stream inactive) is judged by the media it got.
//
//  1. ice-failed: the PeerConnection never reached ICE connected (or ICE
//     reported failed before it connected).
//  2. dtls-failed: ICE connected but DTLS never did (or failed).
//  3. no-media: DTLS connected but not one RTP packet came from the client
//     on a medium the gateway receives (for a PeerConnection where the
//     gateway only sends, not one was sent).
//  4. dropped: media flowed, then the PeerConnection ended without the
//     client or the application ending it: ICE failed after it had
//     connected (consent freshness lost: the client vanished), or it was
//     still up when its session timed out.
//  5. one-way: some medium carried packets in one direction its SDP
//     negotiated while another negotiated direction carried none (audio up
//     but not down, video but no audio).
//  6. poor-quality: loss of LossThreshold or more in either direction over
//     the PeerConnection's life (inbound: lost / (received + lost);
//     outbound: lost-by-remote / sent), or a mean jitter of JitterThreshold
//     or more, or a median RTT of RTTThreshold or more.
//  7. ok: none of the above.
//
// A PeerConnection for which the gateway never gave an SDP of its own (no
// "local" jsep event: a client's offer that the plugin refused, whose
// events the core ends with a hangup when the client hangs up or detaches
// instead of retrying) is not judged: it never was a call, and judging it
// "ice-failed" would send an operator to the network for what the plugin
// refused (the client read why in the plugin's reply).
//
// A session's outcome is the worst outcome of its PeerConnections, in the
// order above; a session without a PeerConnection is ok.
//
// The thresholds (DefaultThresholds) follow common voice guidance: 3 % loss
// is where audio and video degrade visibly, 30 ms of jitter is the usual
// jitter-buffer budget, and 300 ms of RTT is twice ITU-T G.114's 150 ms
// one-way delay limit for interactive speech.
package verdict
