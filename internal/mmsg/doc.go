// Package mmsg makes the sendmmsg(2) call of the packages that batch UDP
// datagrams (core/webrtc/batchconn, hep/homer): never waiting for socket
// buffer room, retried on EINTR. Linux only; elsewhere it is empty and
// its callers send one datagram per call.
package mmsg
