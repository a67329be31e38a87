package e2e

import (
	"context"
	"io"
	nethttp "net/http"
	"strconv"
	"testing"
)

// TestAPISecret: with api_secret set, every Janus API request but info and
// ping needs "apisecret" (403 otherwise), and so does the HTTP long poll
// (?apisecret=, HTTP 403 otherwise) (janus-reference.md 1.6, 2.1).
func TestAPISecret(t *testing.T) {
	const secret = "e2e-api-secret"
	srv := startServer(t, serverOptions{apiSecret: secret})
	forEachTransport(t, srv, stepTimeout, func(t *testing.T, ctx context.Context, tr string, c janusClient) {
		if _, err := expectKindOf("server_info")(c.Request(ctx, 0, 0, msg{"janus": "info"})); err != nil {
			t.Fatalf("info without secret: %v", err)
		}
		for _, bad := range []msg{{"janus": "create"}, {"janus": "create", "apisecret": "wrong"}} {
			res, err := c.Request(ctx, 0, 0, bad)
			if err != nil || errorCode(res) != 403 {
				t.Fatalf("create %v: %s, %v; want error 403", bad, jsonString(res), err)
			}
		}
		res, err := expectKindOf("success")(c.Request(ctx, 0, 0, msg{"janus": "create", "apisecret": secret}))
		if err != nil {
			t.Fatal(err)
		}
		sid := u64(field(res, "data", "id"))
		res, err = c.Request(ctx, sid, 0, msg{"janus": "attach", "plugin": "janus.plugin.echotest"})
		if err != nil || errorCode(res) != 403 {
			t.Fatalf("attach without secret: %s, %v; want error 403", jsonString(res), err)
		}
		res, err = expectKindOf("success")(c.Request(ctx, sid, 0, msg{"janus": "attach", "plugin": "janus.plugin.echotest", "apisecret": secret}))
		if err != nil {
			t.Fatal(err)
		}
		hid := u64(field(res, "data", "id"))
		if tr == "http" {
			// Queue an event (the EchoTest acks, then answers), so a
			// poll with the right secret returns at once.
			if _, err := expectKindOf("ack")(c.Request(ctx, sid, hid, msg{"janus": "message", "body": map[string]any{"audio": true}, "apisecret": secret})); err != nil {
				t.Fatal(err)
			}
			base := srv.httpURL + "/" + strconv.FormatUint(sid, 10) + "?maxev=1"
			for _, tc := range []struct {
				query string
				want  int
			}{{"", 403}, {"&apisecret=wrong", 403}, {"&apisecret=" + secret, 200}} {
				req, _ := nethttp.NewRequestWithContext(ctx, nethttp.MethodGet, base+tc.query, nil)
				res, err := nethttp.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != tc.want {
					t.Errorf("long poll %q: HTTP %d, want %d", tc.query, res.StatusCode, tc.want)
				}
			}
			nethttp.DefaultClient.CloseIdleConnections()
		}
		if _, err := expectKindOf("success")(c.Request(ctx, sid, 0, msg{"janus": "destroy", "apisecret": secret})); err != nil {
			t.Fatal(err)
		}
	})
}
