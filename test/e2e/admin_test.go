package e2e

import (
	"context"
	"slices"
	"testing"
)

// TestAdminAPI inspects and ends a live EchoTest session through the Admin
// API, over HTTP (/admin) and WebSocket (janus-admin-protocol):
// list_sessions, list_handles, handle_info, then hangup_webrtc (the client
// gets a hangup with reason "Admin API") and destroy_session.
func TestAdminAPI(t *testing.T) {
	srv := startServer(t, serverOptions{})
	forEachTransport(t, srv, 4*stepTimeout, func(t *testing.T, ctx context.Context, tr string, c janusClient) {
		admin := srv.dialAdmin(t, tr)
		s := connectedEcho(ctx, t, c)

		// Without the admin secret: 403.
		res, err := admin.Request(ctx, 0, 0, msg{"janus": "list_sessions"})
		if err != nil || errorCode(res) != 403 {
			t.Fatalf("list_sessions without secret: %s, %v; want error 403", jsonString(res), err)
		}
		res, err = expectKindOf("success")(admin.Request(ctx, 0, 0, msg{"janus": "list_sessions", "admin_secret": adminSecret}))
		if err != nil {
			t.Fatal(err)
		}
		if !containsID(res["sessions"], s.sid) {
			t.Fatalf("list_sessions lacks %d: %s", s.sid, jsonString(res))
		}
		res, err = expectKindOf("success")(admin.Request(ctx, s.sid, 0, msg{"janus": "list_handles", "admin_secret": adminSecret}))
		if err != nil {
			t.Fatal(err)
		}
		if !containsID(res["handles"], s.hid) {
			t.Fatalf("list_handles lacks %d: %s", s.hid, jsonString(res))
		}
		res, err = expectKindOf("success")(admin.Request(ctx, s.sid, s.hid, msg{"janus": "handle_info", "admin_secret": adminSecret}))
		if err != nil {
			t.Fatal(err)
		}
		if field(res, "info", "plugin") != "janus.plugin.echotest" || u64(field(res, "info", "handle_id")) != s.hid ||
			field(res, "info", "opaque_id") != "echotest-e2e" || field(res, "info", "plugin_specific") == nil ||
			field(res, "info", "webrtc") == nil {
			t.Fatalf("handle_info: %s", jsonString(res))
		}

		if _, err := expectKindOf("success")(admin.Request(ctx, s.sid, s.hid, msg{"janus": "hangup_webrtc", "admin_secret": adminSecret})); err != nil {
			t.Fatal(err)
		}
		ev, err := s.in.wait(ctx, "hangup event", fromHandle(s.hid, "hangup"))
		if err != nil {
			t.Fatal(err)
		}
		if ev["reason"] != "Admin API" {
			t.Fatalf("hangup reason %v, want \"Admin API\"", ev["reason"])
		}
		if _, err := expectKindOf("success")(admin.Request(ctx, s.sid, 0, msg{"janus": "destroy_session", "admin_secret": adminSecret})); err != nil {
			t.Fatal(err)
		}
		res, err = expectKindOf("error")(c.Request(ctx, s.sid, 0, msg{"janus": "keepalive"}))
		if err != nil || errorCode(res) != 458 {
			t.Fatalf("keepalive after destroy_session: %s, %v; want error 458", jsonString(res), err)
		}
	})
}

// containsID reports whether a JSON array of ids holds id.
func containsID(arr any, id uint64) bool {
	list, _ := arr.([]any)
	return slices.ContainsFunc(list, func(v any) bool { return u64(v) == id })
}
