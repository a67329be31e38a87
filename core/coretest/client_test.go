package coretest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/argusrtc/argus/core/coretest"
)

func TestClientWait(t *testing.T) {
	c := coretest.NewClient("janus.transport.test", 3)
	if c.Info().ConnID != 3 {
		t.Fatalf("info: %+v", c.Info())
	}
	if _, err := c.WaitJanus("event", 10*time.Millisecond); !errors.Is(err, coretest.ErrTimeout) {
		t.Fatalf("empty wait: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Push(1, []byte(`{"janus":"event","n":1}`))
		c.SessionOver(1, true, false)
	}()
	p, err := c.WaitJanus("event", 5*time.Second)
	if err != nil || p.Session != 1 || p.JSON["n"] == nil {
		t.Fatalf("wait: %+v %v", p, err)
	}
	o, err := c.WaitOver(1, 5*time.Second)
	if err != nil || !o.TimedOut {
		t.Fatalf("over: %+v %v", o, err)
	}
	<-done
	if len(c.Messages()) != 1 || len(c.Overs()) != 1 {
		t.Fatalf("records: %v %v", c.Messages(), c.Overs())
	}
}

func TestGoroutinesIn(t *testing.T) {
	const pkg = "github.com/argusrtc/argus/core/coretest_test"
	// An earlier test's goroutine may still be returning after its last
	// send (TestClientWait's pusher runs its deferred close first).
	if left := coretest.WaitGoroutinesGone(5*time.Second, pkg); len(left) != 0 {
		t.Fatalf("before: %v", left)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); <-stop }()
	if left := coretest.GoroutinesIn(pkg); len(left) != 1 {
		t.Fatalf("running: %d goroutines found", len(left))
	}
	close(stop)
	<-done
	if left := coretest.WaitGoroutinesGone(5*time.Second, pkg); len(left) != 0 {
		t.Fatalf("after: %v", left)
	}
}
