package dashboards

import (
	"context"
	"fmt"
	"testing"

	"github.com/argusrtc/argus/internal/janusclient"
)

// janus is the tests' Janus API client over HTTP (REST + long poll), from
// internal/janusclient, with one inbox for the events of every session.
type janus struct {
	c  *janusclient.HTTP
	in *janusclient.Inbox
}

// jmsg is one decoded Janus message.
type jmsg = janusclient.Msg

// newJanus connects to base and closes the client when the test ends.
func newJanus(t *testing.T, base string) *janus {
	c := janusclient.NewHTTP(base, janusclient.Options{})
	j := &janus{c: c, in: janusclient.NewInbox(c)}
	t.Cleanup(func() {
		j.in.Close()
		c.Close()
	})
	return j
}

// request sends body (a transaction is added) and checks the reply kind;
// a created session's events are long-polled from then on.
func (j *janus) request(ctx context.Context, sid, hid uint64, body jmsg, want string) (jmsg, error) {
	what := body["janus"]
	m, err := j.c.Request(ctx, sid, hid, body)
	if m, err = janusclient.Expect(m, err, want); err != nil {
		return nil, fmt.Errorf("%v: %w", what, err)
	}
	if what == "create" {
		j.c.Watch(m.Uint("data", "id"))
	}
	return m, nil
}

// waitEvent waits until match accepts an event of session sid.
func (j *janus) waitEvent(ctx context.Context, sid uint64, what string, match func(jmsg) bool) (jmsg, error) {
	return j.in.Wait(ctx, what, func(m jmsg) bool { return m.Uint("session_id") == sid && match(m) })
}

// id reads a numeric id field (data.id, session_id...).
func id(m jmsg, keys ...string) uint64 { return m.Uint(keys...) }
