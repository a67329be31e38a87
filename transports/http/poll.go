package http

import (
	"bytes"
	"crypto/rand"
	nethttp "net/http"
	"strconv"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// longPoll serves GET /<base>/<session> (janus-reference.md 1.6): auth from
// the query (403), Touch as the implicit keepalive (404 if no such session),
// then up to maxev queued messages, or a keepalive after LongPollTimeout.
func (t *Transport) longPoll(w nethttp.ResponseWriter, r *nethttp.Request, s core.SessionID) {
	q := r.URL.Query()
	gw := t.cfg.Gateway
	if !gw.CheckAuth(q.Get("apisecret"), q.Get("token")) {
		w.WriteHeader(nethttp.StatusForbidden)
		return
	}
	// Take the queue before Touch: the core removes a session before it
	// calls SessionOver, so either Touch fails here (and the queue just made
	// is dropped) or a later SessionOver deletes it. No queue outlives its
	// session.
	live := t.qs.has(s)
	sq := t.qs.get(s, true)
	if !gw.Touch(s) && !live {
		t.qs.end(s)
		nethttp.NotFound(w, r)
		return
	}
	// Touch failed on a session whose queue was live: the core is tearing
	// it down (its handles' PeerConnections close before SessionOver). The
	// poll waits as one parked on an ended session does, instead of a 404
	// that janus.js, still waiting for its destroy reply, counts towards
	// "Lost connection to the server".
	maxev := parseMaxev(q.Get("maxev"), t.cfg.QueueSize)
	timer := time.NewTimer(t.cfg.LongPollTimeout)
	defer timer.Stop()
	for {
		msgs, wake, over := sq.pop(maxev)
		if len(msgs) > 0 {
			writeJSON(w, pollBody(msgs, maxev))
			return
		}
		if over {
			// The session ended with nothing left to deliver. Janus leaves
			// such a poll parked until it times out; answering now makes
			// janus.js poll again at once and log a 404.
			wake = nil
		}
		select {
		case <-wake:
		case <-timer.C:
			writeJSON(w, pollBody(nil, maxev))
			return
		case <-t.done:
			writeJSON(w, pollBody(nil, maxev))
			return
		case <-r.Context().Done():
			return
		}
	}
}

// parseMaxev reads maxev: default and values < 1 mean 1; capped at limit.
func parseMaxev(v string, limit int) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, limit)
}

// pollBody renders a long poll answer: a single object for maxev 1, else
// always an array; no messages means a keepalive.
func pollBody(msgs [][]byte, maxev int) []byte {
	if len(msgs) == 0 {
		msgs = [][]byte{[]byte(wire.Keepalive)}
	}
	if maxev == 1 {
		return msgs[0]
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(m)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// randomTransaction returns 12 random alphanumerics, as janus.js picks.
func randomTransaction() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [12]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
