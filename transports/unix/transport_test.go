package unix

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports/internal/fakegw"
)

func TestStartRefusesBadConfig(t *testing.T) {
	dir := testkit.ShortTempDir(t, "argus-unix")
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(t.Context(), Config{Gateway: fakegw.New(), Path: file}); !errors.Is(err, ErrNotSocket) {
		t.Errorf("regular file: %v", err)
	}
	if _, err := Start(t.Context(), Config{Gateway: fakegw.New(), Path: filepath.Join(dir, "s"), Type: "SOCK_STREAM"}); !errors.Is(err, ErrBadType) {
		t.Errorf("stream type: %v", err)
	}
}

func TestStaleSocketReplacedAndRemovedOnClose(t *testing.T) {
	path := filepath.Join(testkit.ShortTempDir(t, "argus-unix"), "s")
	for range 2 { // the second Start finds the first one's file gone
		tr, err := Start(t.Context(), Config{Gateway: fakegw.New(), Path: path})
		if err != nil {
			t.Fatal(err)
		}
		tr.Close()
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("socket left after Close: %v", err)
		}
	}
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	_ = ln.Close() // a stale socket file from a crashed run
	tr, err := Start(t.Context(), Config{Gateway: fakegw.New(), Path: path})
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	tr.Close()
}

func dial(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// read reads one message, compacted (the transport indents by default).
func read(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, readRaw(t, c)); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func readRaw(t *testing.T, c *net.UnixConn) []byte {
	t.Helper()
	buf := make([]byte, 1<<16)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

// TestLayout: what the socket sends is indented as Janus 1.1.2's pfunix
// sends it by default (3 spaces; test/janusref), or as "json" says.
func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		json evhkit.Format
		want string
	}{
		{"", "{\n   \"janus\": \"error\",\n   \"error\": {\n      \"code\": 454,\n      \"reason\": \"Request payload too large\"\n   }\n}"},
		{evhkit.Compact, `{"janus":"error","error":{"code":454,"reason":"Request payload too large"}}`},
	} {
		path := filepath.Join(testkit.ShortTempDir(t, "argus-unix"), "s")
		tr, err := Start(t.Context(), Config{Gateway: fakegw.New(), Path: path, MaxMessage: 8, JSON: tc.json})
		if err != nil {
			t.Fatal(err)
		}
		c := dial(t, path)
		if _, err := c.Write([]byte(`{"janus":"info","transaction":"x"}`)); err != nil {
			t.Fatal(err)
		}
		if got := string(readRaw(t, c)); got != tc.want {
			t.Errorf("json %q: got\n%s\nwant\n%s", tc.json, got, tc.want)
		}
		_ = c.Close()
		tr.Close()
	}
	if _, err := Start(t.Context(), Config{Gateway: fakegw.New(), Path: "x", JSON: "pretty"}); err == nil {
		t.Error(`json "pretty" accepted`)
	}
}

func TestOversizedPacketAndConnectionBound(t *testing.T) {
	gw := fakegw.New()
	path := filepath.Join(testkit.ShortTempDir(t, "argus-unix"), "s")
	tr, err := Start(t.Context(), Config{Gateway: gw, Path: path, MaxMessage: 64, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	c := dial(t, path)
	if _, err := c.Write([]byte(`{"janus":"create","transaction":"` + strings.Repeat("x", 100) + `"}`)); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c); !strings.Contains(got, `"code":454`) || !strings.Contains(got, "too large") {
		t.Fatalf("oversized: %s", got)
	}
	if _, err := c.Write([]byte(`{"janus":"create","transaction":"a"}`)); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c); !strings.Contains(got, `"transaction":"a"`) {
		t.Fatalf("create: %s", got)
	}
	// A second connection is over MaxConns 1: closed at once.
	c2 := dial(t, path)
	if n, err := c2.Read(make([]byte, 16)); err == nil && n > 0 {
		t.Fatalf("second connection served")
	}
	_ = c.Close()
	select {
	case <-gw.Gone():
	case <-time.After(10 * time.Second):
		t.Fatal("TransportGone not called")
	}
}

// TestDatagramPeerGoneIsDisconnected: a SOCK_DGRAM peer whose socket went
// away is forgotten when an answer to it fails: TransportGone, and its
// slot is free for another peer (MaxConns 1).
func TestDatagramPeerGoneIsDisconnected(t *testing.T) {
	gw := fakegw.New()
	dir := testkit.ShortTempDir(t, "argus-unix")
	path := filepath.Join(dir, "s")
	tr, err := Start(t.Context(), Config{Gateway: gw, Path: path, Type: Dgram, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	server := &net.UnixAddr{Name: path, Net: "unixgram"}
	peer := func(name string) *net.UnixConn {
		c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, name), Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		return c
	}
	a := peer("a")
	if _, err := a.WriteToUnix([]byte(`{"janus":"create","transaction":"a1"}`), server); err != nil {
		t.Fatal(err)
	}
	if got := read(t, a); !strings.Contains(got, `"transaction":"a1"`) {
		t.Fatalf("a: %s", got)
	}
	// a sends one more request and vanishes before the answer.
	release := gw.BlockMessages()
	if _, err := a.WriteToUnix([]byte(`{"janus":"message","transaction":"a2","session_id":1,"handle_id":2}`), server); err != nil {
		t.Fatal(err)
	}
	_ = a.Close() // unlinks a's socket
	release()
	select {
	case <-gw.Gone():
	case <-time.After(10 * time.Second):
		t.Fatal("departed datagram peer not disconnected")
	}
	b := peer("b")
	defer b.Close()
	if _, err := b.WriteToUnix([]byte(`{"janus":"create","transaction":"b1"}`), server); err != nil {
		t.Fatal(err)
	}
	if got := read(t, b); !strings.Contains(got, `"transaction":"b1"`) {
		t.Fatalf("b: %s", got)
	}
}
