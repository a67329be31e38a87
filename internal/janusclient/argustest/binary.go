package argustest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles cmd/argus into the test's temporary directory and returns
// the binary's path.
func Build(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "argus")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/argusrtc/argus/cmd/argus").CombinedOutput()
	if err != nil {
		t.Fatalf("go build cmd/argus: %v\n%s", err, out)
	}
	return bin
}

// Process is a running argus binary (Exec).
type Process struct {
	// URLs maps "<listener> <what>" of each start-up log line to its URL,
	// e.g. "http janus api", "admin admin api", "admin metrics",
	// "admin console".
	URLs map[string]string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit, valid after done
	mu   sync.Mutex
	tail []string // the last log lines, for failure messages
}

// The start-up log names each listener's URLs (cmd/argus logStartup).
var listeningRE = regexp.MustCompile(`msg=listening listener=(\S+) what=("[^"]*"|\S+) url=(\S+)`)

const tailLines = 200

// Exec starts bin with args and waits (30 s at most) until its start-up
// log has named every URL in need (keys of Process.URLs). The process is
// stopped when the test ends, if Stop has not been called.
func Exec(t testing.TB, bin string, need []string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p := &Process{URLs: map[string]string{}, cmd: cmd, done: make(chan struct{})}
	urls := make(chan [2]string, 64)
	go func() { // owned by the process: ends when its stderr closes
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if p.tail = append(p.tail, line); len(p.tail) > tailLines {
				p.tail = p.tail[1:]
			}
			p.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- [2]string{m[1] + " " + strings.Trim(m[2], `"`), m[3]}:
				default:
				}
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { _ = p.Stop() })
	deadline := time.After(30 * time.Second)
	for !p.has(need) {
		select {
		case u := <-urls:
			p.URLs[u[0]] = u[1]
		case <-p.done:
			t.Fatalf("argus exited before listening (%v):\n%s", p.err, p.Log())
		case <-deadline:
			t.Fatalf("argus did not log %v within 30 s (have %v):\n%s", need, p.URLs, p.Log())
		}
	}
	return p
}

func (p *Process) has(need []string) bool {
	for _, k := range need {
		if p.URLs[k] == "" {
			return false
		}
	}
	return true
}

// Log returns the last lines the process logged.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// Stop sends SIGTERM and waits (15 s, then SIGKILL) for the exit; it
// returns nil when argus exited with status 0. Stopping twice returns the
// first exit.
func (p *Process) Stop() error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.Join(fmt.Errorf("argus ignored SIGTERM for 15 s"), p.err)
	}
}
