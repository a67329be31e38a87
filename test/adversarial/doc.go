// Package adversarial replays, against the built argus binary on loopback,
// the attacks of issue 10 (early-trickle floods, slow-body connection
// floods, cross-origin Admin API use, unauthenticated keepalives, oversized
// offers, handle floods, invalid UTF-8) and asserts each is refused or
// bounded: Janus errors, bounded RSS, file descriptors and goroutines back
// to their baseline, /janus/info and /admin answering within a second.
//
// The binary runs under prlimit with 1,024 file descriptors, as in the
// report. Every test is bounded in count and time; the whole package runs
// in well under a minute. docs/SECURITY.md lists the limits it exercises.
package adversarial
