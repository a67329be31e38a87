// Package aiortc runs a third-party Janus client against the argus binary:
// the VideoRoom example that Debian's python3-aiortc ships
// (/usr/share/doc/python3-aiortc/examples/janus/janus.py), run as shipped,
// over the Janus HTTP API. testdata/run_example.py starts it so that
// SIGINT interrupts its event loop between callbacks rather than inside
// one of aiortc's tasks (see there).
//
// aiortc gathers ICE candidates on every interface address except
// 127.0.0.1, so the test runs in a network namespace of its own (unshare
// with a user namespace: no privileges needed) whose loopback also holds
// 127.0.0.2: no packet leaves the namespace, and the candidates do not
// depend on the machine's interfaces.
package aiortc_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/janusclient/argustest"
)

const (
	example = "/usr/share/doc/python3-aiortc/examples/janus/janus.py"
	python  = "/usr/bin/python3" // Debian's interpreter, which sees the python3-* packages
	// launcher runs the example with SIGINT handled by its event loop.
	launcher = "testdata/run_example.py"
	// binEnv carries the argus binary into the test re-run in the namespace.
	binEnv      = "ARGUS_AIORTC_BIN"
	adminSecret = "aiortc-admin-secret"
	// minBytes of video a publisher must have sent to Argus and Argus to
	// the subscriber: aiortc's test pattern is a few kB per second.
	minBytes = 20000
)

// TestVideoRoomExample: one example process publishes into room 1234; a
// second one joins, publishes too, and subscribes to the first one's feed
// (the example subscribes when --record-to is given and the room has a
// publisher). Argus's Admin API must show the video bytes it received
// from the publisher and sent to the subscriber; on SIGINT both examples
// destroy their sessions.
func TestVideoRoomExample(t *testing.T) {
	if bin := os.Getenv(binEnv); bin != "" {
		videoRoomInNamespace(t, bin)
		return
	}
	requireExample(t)
	bin := argustest.Build(t)
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--map-root-user", "--",
		os.Args[0], "-test.run", "^TestVideoRoomExample$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), binEnv+"="+bin)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestVideoRoomExample")) {
		t.Fatalf("the test in its network namespace: %v\n%s", err, out)
	}
	t.Logf("in the network namespace:\n%s", out)
}

// requireExample fails under CI=true, and skips elsewhere, when the
// example, its Python modules or unshare are missing.
func requireExample(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := os.Stat(example); err != nil {
		missing = append(missing, example)
	}
	if out, err := exec.Command(python, "-c", "import aiortc, aiohttp").CombinedOutput(); err != nil {
		missing = append(missing, fmt.Sprintf("python modules aiortc, aiohttp (%v: %s)", err, bytes.TrimSpace(out)))
	}
	if out, err := exec.Command("unshare", "--net", "--map-root-user", "true").CombinedOutput(); err != nil {
		missing = append(missing, fmt.Sprintf("a network namespace: unshare --net --map-root-user (util-linux; user namespaces allowed): %v: %s", err, bytes.TrimSpace(out)))
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("missing %s; install: apt-get install python3-aiortc python3-aiohttp", strings.Join(missing, ", "))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func videoRoomInNamespace(t *testing.T, bin string) {
	for _, args := range [][]string{{"link", "set", "lo", "up"}, {"addr", "add", "127.0.0.2/8", "dev", "lo"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	argus := argustest.Exec(t, bin, []string{"http janus api", "admin admin api"},
		"-http", "127.0.0.1:0", "-ws", "", "-admin", "127.0.0.1:0", "-admin-ws", "",
		"-admin-secret", adminSecret, "-history=false", "-log-level", "info")
	admin := &adminClient{c: janusclient.NewHTTP(argus.URLs["admin admin api"], janusclient.Options{})}
	defer admin.c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	janusURL := argus.URLs["http janus api"]
	dir := t.TempDir()

	pub := startExample(t, dir, "publisher", janusURL)
	admin.waitFor(ctx, t, "the publisher's video reaches Argus", argus, pub, func(hs []handleStats) bool {
		return count(hs, "publisher", func(h handleStats) bool { return h.videoIn >= minBytes }) == 1
	})
	recording := filepath.Join(dir, "received.mp4")
	sub := startExample(t, dir, "subscriber", janusURL, "--record-to", recording)
	admin.waitFor(ctx, t, "Argus forwards the first publisher's video to the subscriber", argus, sub, func(hs []handleStats) bool {
		return count(hs, "publisher", func(h handleStats) bool { return h.videoIn >= minBytes }) == 2 &&
			count(hs, "subscriber", func(h handleStats) bool { return h.videoOut >= minBytes }) == 1
	})
	if out := sub.output(); !strings.Contains(out, "Track video received") {
		t.Errorf("the subscribing example did not report the video track:\n%s", out)
	}

	// The recorder creates its file with the first decoded frame, which a
	// loaded machine (aiortc decodes in Python) may reach well after the
	// bytes above: wait for it (bounded by ctx) before stopping.
	for st, err := os.Stat(recording); err != nil || st.Size() == 0; st, err = os.Stat(recording) {
		select {
		case <-ctx.Done():
			t.Fatalf("the subscribing example wrote no recording within the time limit:\n%s", sub.output())
		case <-time.After(250 * time.Millisecond):
		}
	}

	// SIGINT: the example stops its recorder, destroys its session and
	// closes its PeerConnections.
	for _, e := range []*exampleProc{sub, pub} {
		e.interrupt(t, argus)
	}
	admin.waitFor(ctx, t, "both examples destroyed their sessions", argus, nil, func(hs []handleStats) bool {
		return hs != nil && len(hs) == 0
	})
	if st, err := os.Stat(recording); err != nil || st.Size() == 0 {
		t.Errorf("recording of the subscribed video: %v (size %d)", err, sizeOf(st))
	}
	if err := argus.Stop(); err != nil {
		t.Errorf("argus exit: %v\n%s", err, argus.Log())
	}
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return 0
	}
	return st.Size()
}

// exampleProc is one run of janus.py.
type exampleProc struct {
	name string
	cmd  *exec.Cmd
	log  string // the file of its stdout and stderr
	done chan struct{}
}

func startExample(t *testing.T, dir, name, janusURL string, args ...string) *exampleProc {
	t.Helper()
	e := &exampleProc{name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	out, err := os.Create(e.log)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // the child has its own copy
	// faulthandler: SIGABRT makes Python print every thread's stack, what
	// interrupt asks for when the example does not end.
	run, err := filepath.Abs(launcher)
	if err != nil {
		t.Fatal(err)
	}
	e.cmd = exec.Command(python, append([]string{"-X", "faulthandler", run, example}, append(args, janusURL)...)...)
	e.cmd.Dir = dir
	e.cmd.Stdout, e.cmd.Stderr = out, out
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { // owned by the process: ends when it exits
		_ = e.cmd.Wait()
		close(e.done)
	}()
	t.Cleanup(func() {
		_ = e.cmd.Process.Kill()
		<-e.done
	})
	return e
}

// interrupt sends SIGINT (the example's way out: its event loop raises
// KeyboardInterrupt, see launcher) and waits 90 s at most;
// an example still running then is made to print its Python stacks
// (SIGABRT), shown with the end of Argus's log.
func (e *exampleProc) interrupt(t *testing.T, argus *argustest.Process) {
	t.Helper()
	_ = e.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-e.done:
		return
	case <-time.After(90 * time.Second):
	}
	_ = e.cmd.Process.Signal(syscall.SIGABRT)
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
	}
	log := argus.Log()
	if len(log) > 8<<10 {
		log = log[len(log)-8<<10:]
	}
	t.Errorf("%s example still running 90 s after SIGINT:\n%s\n--- Argus log (end):\n%s", e.name, e.output(), log)
}

// output is what the example printed (its first MB).
func (e *exampleProc) output() string {
	f, err := os.Open(e.log)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// exited reports the example's exit, if it has.
func (e *exampleProc) exited() (bool, string) {
	select {
	case <-e.done:
		return true, fmt.Sprintf("%s example exited (%v):\n%s", e.name, e.cmd.ProcessState, e.output())
	default:
		return false, ""
	}
}

// handleStats is what the Admin API says about one handle.
type handleStats struct {
	session, handle   uint64
	role              string // plugin_specific.type of the VideoRoom
	videoIn, videoOut uint64 // bytes of the PeerConnection's video streams
}

func count(hs []handleStats, role string, pred func(handleStats) bool) int {
	n := 0
	for _, h := range hs {
		if h.role == role && pred(h) {
			n++
		}
	}
	return n
}

type adminClient struct{ c *janusclient.HTTP }

func (a *adminClient) request(ctx context.Context, req janusclient.Msg) (janusclient.Msg, error) {
	req["admin_secret"] = adminSecret
	res, err := a.c.Request(ctx, 0, 0, req)
	return janusclient.Expect(res, err, "success")
}

// handles lists every handle of every session with its video byte counts.
func (a *adminClient) handles(ctx context.Context) ([]handleStats, error) {
	res, err := a.request(ctx, janusclient.Msg{"janus": "list_sessions"})
	if err != nil {
		return nil, err
	}
	out := []handleStats{}
	sessions, _ := res["sessions"].([]any)
	for _, s := range sessions {
		sid := janusclient.Uint(s)
		res, err := a.request(ctx, janusclient.Msg{"janus": "list_handles", "session_id": sid})
		if err != nil {
			return nil, err
		}
		list, _ := res["handles"].([]any)
		for _, h := range list {
			hid := janusclient.Uint(h)
			res, err := a.request(ctx, janusclient.Msg{"janus": "handle_info", "session_id": sid, "handle_id": hid})
			if err != nil {
				return nil, err
			}
			hs := handleStats{session: sid, handle: hid}
			hs.role, _ = res.Field("info", "plugin_specific", "type").(string)
			media, _ := res.Field("info", "webrtc", "media").(map[string]any)
			for _, m := range media {
				m := janusclient.Msg(m.(map[string]any))
				if m["type"] == "video" {
					hs.videoIn += m.Uint("stats", "in", "bytes")
					hs.videoOut += m.Uint("stats", "out", "bytes")
				}
			}
			out = append(out, hs)
		}
	}
	return out, nil
}

// waitFor polls the Admin API (every 250 ms, until ctx ends) until ok
// holds; it fails early when argus or the watched example exits.
func (a *adminClient) waitFor(ctx context.Context, t *testing.T, what string, argus *argustest.Process, e *exampleProc, ok func([]handleStats) bool) {
	t.Helper()
	var last []handleStats
	var lastErr error
	for {
		last, lastErr = a.handles(ctx)
		if lastErr == nil && ok(last) {
			return
		}
		if e != nil {
			if gone, why := e.exited(); gone {
				t.Fatalf("waiting until %s: %s", what, why)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within the time limit; handles %+v (%v)\nargus log:\n%s", what, last, lastErr, argus.Log())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
