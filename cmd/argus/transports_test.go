package main

import (
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
)

// TestRegisteredTransportsWired: -unix, -admin-unix, -rabbitmq and -mqtt
// start the self-registered transports, info (over that socket) reports the Janus API level
// 1102 / "1.1.2" with Argus's own version apart, lists every enabled
// transport under Janus's package names, and /janus/ping answers pong.
func TestRegisteredTransportsWired(t *testing.T) {
	dir := testkit.ShortTempDir(t, "argus-cmd")
	sock := filepath.Join(dir, "janus.sock")
	name := fmt.Sprintf("argus-cmd-%d", time.Now().UnixNano())
	addrs := startTestServer(t, "-unix", sock, "-admin-unix", filepath.Join(dir, "admin.sock"),
		"-rabbitmq", "amqp://guest:guest@127.0.0.1:5672/?queue_autodelete=true&declare_outgoing_queue=false&to_janus="+name+"-to&from_janus="+name+"-from",
		"-mqtt", "mqtt://127.0.0.1:1883?subscribe_topic="+name+"/to&publish_topic="+name+"/from")

	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: sock, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(`{"janus":"info","transaction":"i"}`)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	info := decodeJSON(t, buf[:n])
	if info["janus"] != "server_info" || info["version"] != float64(1102) || info["version_string"] != "1.1.2" ||
		info["argus_version"] == nil {
		t.Fatalf("info: %s", buf[:n])
	}
	trs, _ := info["transports"].(map[string]any)
	for _, pkg := range []string{"janus.transport.http", "janus.transport.websockets", "janus.transport.pfunix",
		"janus.transport.rabbitmq", "janus.transport.mqtt"} {
		if m, ok := trs[pkg].(map[string]any); !ok || m["name"] == "" {
			t.Errorf("info.transports lacks %s: %v", pkg, trs)
		}
	}
	if len(trs) != 5 {
		t.Errorf("info.transports: %v", trs)
	}
	if code, body := get(t, addrs["http"]+"/janus/ping"); code != 200 || decodeJSON(t, []byte(body))["janus"] != "pong" {
		t.Fatalf("/janus/ping: %d %s", code, body)
	}
	if code, body := get(t, addrs["admin"]+"/admin/ping"); code != 200 || decodeJSON(t, []byte(body))["janus"] != "pong" {
		t.Fatalf("/admin/ping: %d %s", code, body)
	}
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}
