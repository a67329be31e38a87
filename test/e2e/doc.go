// Package e2e holds Argus's end-to-end tests: a pion client drives the real
// core, transports and EchoTest plugin, in process on 127.0.0.1, over the
// Janus API on HTTP long poll and on WebSocket. The tests live in _test.go
// files; this package has no API.
package e2e
