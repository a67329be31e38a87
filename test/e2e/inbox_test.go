package e2e

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/argusrtc/argus/internal/janusclient"
)

// inbox collects a client's asynchronous messages so a test can wait for
// one without losing the others. Use from one goroutine.
type inbox struct {
	c    janusClient
	seen []msg
}

// wait returns the first message, seen before or arriving now, that
// matches pred.
func (in *inbox) wait(ctx context.Context, what string, pred func(msg) bool) (msg, error) {
	for _, m := range in.seen {
		if pred(m) {
			return m, nil
		}
	}
	for {
		select {
		case m := <-in.c.Events():
			in.seen = append(in.seen, m)
			if pred(m) {
				return m, nil
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w; received %s", what, ctx.Err(), jsonString(in.seen))
		}
	}
}

// jsonString renders v for failure messages.
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// u64 reads a JSON integer field (json.Number) as uint64; 0 if absent.
func u64(v any) uint64 { return janusclient.Uint(v) }

// field walks nested objects: field(m, "plugindata", "data", "result").
func field(m msg, path ...string) any { return m.Field(path...) }

// kind is m["janus"].
func kind(m msg) string { return m.Kind() }

// errorCode is the Janus error code of an "error" reply, or 0.
func errorCode(m msg) int { return int(u64(field(m, "error", "code"))) }

// expectKind fails unless the reply is of the given kind.
func expectKind(m msg, err error, want string) (msg, error) { return janusclient.Expect(m, err, want) }

// fromHandle matches asynchronous messages of one handle and kind.
func fromHandle(hid uint64, k string) func(msg) bool { return janusclient.From(hid, k) }
