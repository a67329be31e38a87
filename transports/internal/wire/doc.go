// Package wire holds the small pieces the Janus transports share: the Janus
// error envelope a transport builds itself, CORS handling, peer addresses and
// the type 128 transport event (janus-reference.md sections 1.1, 1.6, 1.7, 4.4)
// and the rule for unset numeric settings.
package wire
