package adversarial

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
)

// bin is the argus binary TestMain builds.
var bin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "argus-adversarial-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "argus")
	build := exec.Command("go", "build", "-o", bin, "github.com/argusrtc/argus/cmd/argus")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building argus:", err)
		return 1
	}
	return m.Run()
}

const adminSecret = "adv-admin-secret"

// server is one running argus process.
type server struct {
	t     *testing.T
	cmd   *exec.Cmd
	addrs map[string]string // listener name -> host:port
	hc    *http.Client
}

var listenRE = regexp.MustCompile(`msg=listening listener=(\S+) addr=(\S+)`)

// start runs argus with a file descriptor limit of nofile (the attack's
// 1,024) and the extra flags, on loopback ephemeral ports, and waits until
// every listener is up. It is killed at cleanup.
func start(t *testing.T, nofile int, extra ...string) *server {
	t.Helper()
	args := []string{
		fmt.Sprintf("--nofile=%d:%d", nofile, nofile), "--", bin,
		"-http", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-admin", "127.0.0.1:0", "-admin-ws", "127.0.0.1:0",
		"-admin-secret", adminSecret, "-history=false", "-stats-period", "0",
		"-ice-enforce-list", strings.Join(testkit.LoopbackICE(), ","),
	}
	cmd := exec.Command("prlimit", append(args, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, addrs: map[string]string{}, hc: &http.Client{Timeout: 5 * time.Second}}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	want := 4
	for _, a := range extra {
		if a == "-metrics-addr" {
			want++
		}
	}
	lines := make(chan string, 64)
	go func() { // ends when the process's stderr closes
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody is listening any more; keep draining
			}
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for len(s.addrs) < want {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("argus exited before listening: %v", cmd.Wait())
			}
			if m := listenRE.FindStringSubmatch(l); m != nil {
				s.addrs[m[1]] = m[2]
			}
		case <-deadline:
			t.Fatalf("argus listeners not up: %v", s.addrs)
		}
	}
	return s
}

// pid is the argus process (prlimit execs it, keeping the pid).
func (s *server) pid() int { return s.cmd.Process.Pid }

// rssKB reads the process's resident set from /proc.
func (s *server) rssKB() int {
	s.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		s.t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	s.t.Fatal("no VmRSS")
	return 0
}

// fds counts the process's open file descriptors.
func (s *server) fds() int {
	s.t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid()))
	if err != nil {
		s.t.Fatal(err)
	}
	return len(ents)
}

// metric reads one sample (name with labels, as exposed) from /metrics.
func (s *server) metric(sample string) float64 {
	s.t.Helper()
	_, body := s.get("admin", "/metrics")
	for l := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(l, sample+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				s.t.Fatalf("metric %s: %q", sample, v)
			}
			return f
		}
	}
	s.t.Fatalf("no metric %s", sample)
	return 0
}

func (s *server) url(listener, path string) string { return "http://" + s.addrs[listener] + path }

func (s *server) get(listener, path string) (int, string) {
	s.t.Helper()
	res, err := s.hc.Get(s.url(listener, path))
	if err != nil {
		s.t.Fatalf("GET %s %s: %v", listener, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// post sends a JSON body and decodes the JSON answer.
func (s *server) post(listener, path string, body []byte) map[string]any {
	s.t.Helper()
	res, err := s.hc.Post(s.url(listener, path), "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatalf("POST %s %s: %v", listener, path, err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		s.t.Fatalf("POST %s %s: HTTP %d, not JSON: %v", listener, path, res.StatusCode, err)
	}
	return m
}

func (s *server) postf(listener, path, format string, args ...any) map[string]any {
	s.t.Helper()
	return s.post(listener, path, fmt.Appendf(nil, format, args...))
}

// create makes a session and returns its id.
func (s *server) create(extra string) uint64 {
	s.t.Helper()
	m := s.postf("http", "/janus", `{"janus":"create","transaction":"c"%s}`, extra)
	if m["janus"] != "success" {
		s.t.Fatalf("create: %v", m)
	}
	return uint64(m["data"].(map[string]any)["id"].(float64))
}

// attach attaches session sid to the EchoTest; ok false with the answer on error.
func (s *server) attach(sid uint64) (uint64, map[string]any) {
	s.t.Helper()
	m := s.postf("http", fmt.Sprintf("/janus/%d", sid), `{"janus":"attach","transaction":"a","plugin":"janus.plugin.echotest"}`)
	if m["janus"] != "success" {
		return 0, m
	}
	return uint64(m["data"].(map[string]any)["id"].(float64)), m
}

// mustAttach is attach, failing the test when it does not succeed.
func (s *server) mustAttach(sid uint64) uint64 {
	s.t.Helper()
	hid, m := s.attach(sid)
	if hid == 0 {
		s.t.Fatalf("attach: %v", m)
	}
	return hid
}

// janusErr returns the error code and reason of an answer (0 if none).
func janusErr(m map[string]any) (int, string) {
	e, ok := m["error"].(map[string]any)
	if !ok {
		return 0, ""
	}
	code, _ := e["code"].(float64)
	reason, _ := e["reason"].(string)
	return int(code), reason
}

// responsive asserts that /janus/info and /admin answer within a second.
func (s *server) responsive(what string) {
	s.t.Helper()
	hc := &http.Client{Timeout: time.Second}
	res, err := hc.Get(s.url("http", "/janus/info"))
	if err != nil {
		s.t.Fatalf("%s: /janus/info: %v", what, err)
	}
	_ = res.Body.Close()
	res, err = hc.Post(s.url("admin", "/admin"), "application/json", strings.NewReader(`{"janus":"ping","transaction":"p"}`))
	if err != nil {
		s.t.Fatalf("%s: /admin: %v", what, err)
	}
	_ = res.Body.Close()
}

// settle waits (bounded) until cond holds, for counts that come down as
// connections and goroutines finish.
func settle(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// parallel runs n calls of f on at most width goroutines.
func parallel(n, width int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, width)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}
