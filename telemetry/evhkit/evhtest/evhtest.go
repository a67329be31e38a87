// Package evhtest helps the broker event handlers' tests: private broker
// processes on ephemeral ports that a test can kill and restart, unique
// names, and sample events.
package evhtest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

var unique atomic.Uint64 //nolint:gochecknoglobals // names must be unique per process

// Name returns a name unique to this process and call: prefix-pid-time-n.
func Name(prefix string) string {
	return prefix + "-" + strconv.FormatInt(time.Now().UnixNano()%1e12, 36) + "-" + strconv.FormatUint(unique.Add(1), 10)
}

// FreePort returns a loopback TCP port that was free a moment ago
// (testkit.DeadAddr's), for a broker the test starts there.
func FreePort(t testing.TB) int {
	t.Helper()
	return int(netip.MustParseAddrPort(testkit.DeadAddr(t, "tcp")).Port())
}

// WaitPort waits until 127.0.0.1:port accepts connections, at most d.
func WaitPort(t testing.TB, port int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("port %d did not open within %v", port, d)
}

// Process is a broker process the test owns.
type Process struct {
	t    testing.TB
	bin  string
	args []string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs bin args (listening on port) and waits for the port; the
// process is killed at the end of the test. It fails the test when bin is
// missing: these brokers are part of the test environment.
func Start(t testing.TB, port int, bin string, args ...string) *Process {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatalf("%s not installed (scripts/test.sh installs it): %v", bin, err)
	}
	p := &Process{t: t, bin: bin, args: args, port: port}
	p.Restart()
	t.Cleanup(p.Stop)
	return p
}

// Restart starts the process again after Stop.
func (p *Process) Restart() {
	p.t.Helper()
	cmd := exec.CommandContext(context.Background(), p.bin, p.args...) //nolint:gosec // test-chosen binary
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.bin, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(p.done)
	WaitPort(p.t, p.port, 15*time.Second)
}

// Stop kills the process and waits for it to exit.
func (p *Process) Stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Errorf("%s did not exit", p.bin)
	}
	p.cmd = nil
}

// Port is the port the process listens on.
func (p *Process) Port() int { return p.port }

// Events returns n events of emitter: a session created, handle attached,
// and so on, cycling through the types.
func Events(emitter string, n int) []*telemetry.Event {
	types := []telemetry.Type{telemetry.TypeSession, telemetry.TypeHandle, telemetry.TypeWebRTC, telemetry.TypeMedia, telemetry.TypePlugin}
	out := make([]*telemetry.Event, n)
	for i := range out {
		t := types[i%len(types)]
		out[i] = &telemetry.Event{
			Emitter: emitter, Type: t, Timestamp: telemetry.Now(), SessionID: uint64(1000 + i), HandleID: uint64(2000 + i),
			Body: map[string]any{"name": fmt.Sprintf("event-%d", i), "n": i},
		}
		if t == telemetry.TypeWebRTC {
			out[i].Subtype = telemetry.SubtypeWebRTCICE
		}
	}
	return out
}
