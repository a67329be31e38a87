package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
	"github.com/argusrtc/argus/transports/mqtt"
	"github.com/argusrtc/argus/transports/rabbitmq"
	"github.com/argusrtc/argus/transports/unix"
)

// transportEvents returns the data of the type 128 events of package pkg
// that rec recorded.
func transportEvents(rec *telemetrytest.Emitter, pkg string) []map[string]any {
	var out []map[string]any
	for _, e := range rec.Events() {
		if b, ok := e.Body.(telemetry.TransportBody); ok && e.Type == telemetry.TypeTransport && b.Transport == pkg {
			raw, _ := json.Marshal(b.Data)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			out = append(out, m)
		}
	}
	return out
}

var extPackages = map[string]string{
	"unix": unix.Package, "unix-dgram": unix.Package, "rabbitmq": rabbitmq.Package, "mqtt": mqtt.Package,
}

// errorOf is an error reply's "code reason".
func errorOf(m msg) string {
	return fmt.Sprintf("%d %v", errorCode(m), field(m, "error", "reason"))
}

// TestExtTransportsAPI drives the Janus API and the Admin API over each
// message transport: ping, create, keepalive, errors (compared with what
// HTTP answers to the same request), Admin list_sessions with and without
// the secret, destroy; RabbitMQ answers carry the request's correlation
// id; each transport emits its type 128 "connected" event.
func TestExtTransportsAPI(t *testing.T) {
	rec := telemetrytest.NewEmitter()
	e := startExtServer(t, serverOptions{emitter: rec})
	httpC := e.dial(t, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 2*stepTimeout)
	defer cancel()
	hs, err := expectKindOf("success")(httpC.Request(ctx, 0, 0, msg{"janus": "create"}))
	if err != nil {
		t.Fatal(err)
	}
	httpSID := u64(field(hs, "data", "id"))

	for _, tr := range extTransports {
		t.Run(tr, func(t *testing.T) {
			c := e.dialExt(t, tr, false)
			if _, err := expectKindOf("pong")(c.Request(ctx, 0, 0, msg{"janus": "ping"})); err != nil {
				t.Fatal(err)
			}
			req := msg{"janus": "create"}
			res, err := expectKindOf("success")(c.Request(ctx, 0, 0, req))
			if err != nil {
				t.Fatal(err)
			}
			if tr == "rabbitmq" {
				if tx := req["transaction"].(string); c.replyTag(tx) != tx {
					t.Errorf("correlation_id %q, want %q", c.replyTag(tx), tx)
				}
			}
			sid := u64(field(res, "data", "id"))
			if _, err := expectKindOf("ack")(c.Request(ctx, sid, 0, msg{"janus": "keepalive"})); err != nil {
				t.Fatal(err)
			}

			// The same bad requests, over HTTP and over tr: same errors.
			bad := []func(sid uint64) msg{
				func(uint64) msg { return msg{"janus": "bogus"} },
				func(uint64) msg { return msg{"janus": "keepalive", "session_id": 42} },
				func(uint64) msg { return msg{"nojanus": true} },
				func(sid uint64) msg { return msg{"janus": "attach", "session_id": sid, "plugin": "janus.plugin.nope"} },
				func(sid uint64) msg { return msg{"janus": "attach", "session_id": sid} },
				func(sid uint64) msg { return msg{"janus": "message", "session_id": sid, "handle_id": 7, "body": msg{}} },
			}
			for i, mk := range bad {
				want, err := httpC.Request(ctx, 0, 0, mk(httpSID))
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.Request(ctx, 0, 0, mk(sid))
				if err != nil {
					t.Fatal(err)
				}
				// Reasons name the session: HTTP's is another one.
				wantErr := strings.ReplaceAll(errorOf(want), strconv.FormatUint(httpSID, 10), strconv.FormatUint(sid, 10))
				if kind(got) != "error" || errorOf(got) != wantErr {
					t.Errorf("bad request %d: got %s, HTTP said %s", i, jsonString(got), jsonString(want))
				}
			}

			// Invalid JSON has no transaction: the error arrives as an event.
			const broken = `{"janus":"create",`
			want, err := httpC.Do(ctx, 0, 0, []byte(broken))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.send(ctx, []byte(broken), "broken"); err != nil {
				t.Fatal(err)
			}
			// The message transports prefix the parser's text as Janus
			// 1.1.2's do (test/janusref).
			select {
			case got := <-c.Events():
				if kind(got) != "error" || errorOf(got) != strings.Replace(errorOf(want), "JSON error", "Invalid Janus API request - JSON error", 1) {
					t.Errorf("invalid JSON: got %s, HTTP said %s", jsonString(got), jsonString(want))
				}
			case <-ctx.Done():
				t.Fatal("no answer to invalid JSON")
			}

			if tr != "unix-dgram" { // the harness has no admin datagram socket
				admin := e.dialExt(t, tr, true)
				if res, err := admin.Request(ctx, 0, 0, msg{"janus": "list_sessions"}); err != nil || errorCode(res) != 403 {
					t.Fatalf("list_sessions without secret: %s, %v", jsonString(res), err)
				}
				res, err := expectKindOf("success")(admin.Request(ctx, 0, 0, msg{"janus": "list_sessions", "admin_secret": adminSecret}))
				if err != nil {
					t.Fatal(err)
				}
				if !containsID(res["sessions"], sid) {
					t.Fatalf("list_sessions lacks %d: %s", sid, jsonString(res))
				}
			}

			if _, err := expectKindOf("success")(c.Request(ctx, sid, 0, msg{"janus": "destroy"})); err != nil {
				t.Fatal(err)
			}
			res, err = c.Request(ctx, sid, 0, msg{"janus": "keepalive"})
			if err != nil || errorCode(res) != 458 {
				t.Fatalf("keepalive after destroy: %s, %v", jsonString(res), err)
			}
			evs := transportEvents(rec, extPackages[tr])
			if len(evs) == 0 || evs[0]["event"] != "connected" {
				t.Fatalf("transport events of %s: %v", tr, evs)
			}
		})
	}
}

// TestUnixConnectionOwnsSessions: closing a SOCK_SEQPACKET connection
// ends the sessions it created, as a WebSocket's close does, and emits
// "disconnected".
func TestUnixConnectionOwnsSessions(t *testing.T) {
	rec := telemetrytest.NewEmitter()
	e := startExtServer(t, serverOptions{emitter: rec})
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	c, err := dialUnix(e.unixPath)
	if err != nil {
		t.Fatal(err)
	}
	sid := createSession(ctx, t, c)
	c.Close()
	other := e.dialExt(t, "unix", false)
	waitUntil(t, "session "+strconv.FormatUint(sid, 10)+" gone", func() bool {
		res, err := other.Request(ctx, sid, 0, msg{"janus": "keepalive"})
		return err == nil && errorCode(res) == 458
	})
	waitUntil(t, "disconnected event", func() bool {
		for _, ev := range transportEvents(rec, unix.Package) {
			if ev["event"] == "disconnected" {
				return true
			}
		}
		return false
	})
}
