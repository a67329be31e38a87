// Package testpeer is the one pion WebRTC client of Argus's tests and of
// cmd/argus-load: a PeerConnection that gathers only loopback (or one
// network's) UDP4 candidates, offers the codecs and RTCP feedback a
// browser offers, sends generated Opus and VP8 RTP, counts what comes
// back per kind and per m-line, counts and answers the RTCP the gateway
// sends it (NACK from a small send history, PLI/FIR with a key frame),
// and can lose packets on purpose (every n-th or seeded random). With
// Config.SlowLink its sockets sit behind a slow link (package slownet:
// delay, jitter, rate, a bounded queue), both ways.
//
// Every goroutine of a Peer is owned by it and ended by Close; waits are
// bounded by the caller's context.
//
// Decisions:
//   - Key frames: with Media.DeltaFrames false every frame starts with a
//     VP8 key frame header (the simple client the older tests used); with
//     it true only the first frame, and the frame after a PLI or FIR when
//     Config.AnswerPLI is set, is a key frame — what a browser does.
//   - NACK: a Peer without pion's interceptors answers NACKs itself when
//     Config.History > 0, resending the kept packet with its original
//     sequence number (no RTX). A packet lost on purpose is kept too, so
//     the retransmission repairs the loss as in real life.
//   - The client's own pion logs are off: failures surface as errors.
package testpeer
