package webrtc

// Events emitted through Config.Emitter (janus-reference.md 4.4); every
// header carries Emitter=ServerName, a µs timestamp, SessionID, HandleID and
// OpaqueID, and every body is a map[string]any (or, for a combined media
// report, a []map[string]any):
//
//   - type 8: {"owner":"remote"|"local","jsep":{"type","sdp"}} on every
//     applied remote description and every local description (with
//     candidates); no local one once Close has started or the hangup was
//     emitted (the offer or answer then fails with ErrClosed).
//   - type 16 sub 1: {"ice":"gathering|connecting|connected|ready|failed|disconnected"}
//     sub 2: {"local-candidate"}, sub 3: {"remote-candidate"} (trickled or in
//     the SDP; the "candidate:" prefix stripped), sub 4: {"selected-pair",
//     "candidates":{"local","remote"}}, sub 5: {"dtls":"trying|connected|failed",
//     "retransmissions":0}; subs 1-5 carry "stream_id":1 and "component_id":1.
//     sub 6: {"connection":"webrtcup"} and {"connection":"hangup","reason"}.
//   - type 32 sub 1: {"media","mid","receiving","seconds"?}; sub 2:
//     {"mid","media","slow_link":"uplink|downlink","lost_lastsec"}; sub 3: the
//     media report every StatsPeriod and once at hangup.
//
// Media report values come from mediaWatch (watch.go), an interceptor next to
// the network that keeps per-SSRC atomic counters: packets/bytes
// (headers included) and NACK counts per direction, loss and jitter computed
// on received RTP ("lost", "jitter-local", ms), the peer's receiver reports
// ("lost-by-remote", "jitter-remote" in ms, "rtt" in ms from DLSR), and the
// last REMB received ("remb-bitrate", mindex 0 only). "retransmissions-received"
// counts RTX packets when the RTX stream is known. Link-quality scores are
// described at linkQuality in stats.go.
//
// Hangup reasons produced here: "ICE failed" (pion ICE state failed, at once;
// pion's own disconnected and failed timers apply), "DTLS error" (the DTLS
// handshake failed) and "DTLS alert" (the client closed an established DTLS
// connection, i.e. its PeerConnection); any other reason is the caller's,
// passed to Close.

// NACKs from the client are answered by nackResponder (nackresponder.go),
// not pion's responder: per outgoing stream that negotiated "nack", the
// packets sent in the last Config.NACKWindow (200 ms by default, Janus's
// min_nack_queue) or twice the round-trip time from the client's receiver
// reports when that is longer (up to 1 s, as Janus), each copy the packet's size, in a ring that follows the
// packet rate (at most 1024 packets); resent as RTX when RTX was
// negotiated, a packet at most once per 20 ms; older packets are not
// resent. A stream's resends are bounded by a budget (1024 at start, one
// more per packet sent, at most 1024 held); the ones beyond are dropped
// and counted (LimitNACKResends). Audio without "nack" keeps no history. A track that keeps what
// it sent itself (SentHistory, registered with Peer.UseSentHistory: a
// VideoRoom subscriber's, whose packets are its publisher's, kept once
// per publisher stream) has nothing copied: the responder asks the track
// for the packet and applies its window, gap and RTX as above.

// RTCP sender and receiver reports (RFC 3550 6.4) come from the same
// mediaWatch counters, not from pion's report interceptors: once per
// second per PeerConnection, compound packets (split at 1200 bytes) with a
// sender report per stream sent (NTP time, the RTP time of that instant, packets and payload
// octets on the stream's own SSRC) and a receiver report whose blocks
// cover every media stream received (RTX and FEC streams get none): loss
// as fraction and cumulative count, extended highest sequence number,
// jitter, and LSR/DLSR echoing the peer's last sender report, which the
// Peer's reader of each received stream's RTCP sees as it arrives
// (receiverrtcp.go). The reports and the TWCC feedback (every 100 ms) are
// written by one goroutine per Engine (rtcpticker.go), not by loops per
// PeerConnection.

// What the Engine shares between its PeerConnections, beyond pion's API:
// one DTLS certificate (dtlscert.go; a P-256 key, self-signed, as Janus
// has one per process; replaced for new PeerConnections a week before it
// expires) instead of a key generation and certificate per PeerConnection,
// and one list of the host's interfaces (ifacenet.go; enumerated again
// when older than a second, so an address change shows in PeerConnections
// made from a second after it) instead of a netlink dump per
// PeerConnection's ICE agent, which each agent also kept for its life
// (10–18 KiB per PeerConnection with the certificate, on a host with
// two to five interfaces: docs/BENCHMARKS.md, Round 11).
