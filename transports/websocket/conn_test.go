package websocket

import (
	"context"
	"log/slog"
	"testing"

	"github.com/argusrtc/argus/internal/refusals"
)

func TestSendOverflowClosesConnection(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	drops := refusals.New(LimitWriteQueue)
	c := &conn{t: &Transport{cfg: Config{Refusals: drops}}, out: newWriteQueue(2), done: ctx.Done(), cancel: cancel, log: slog.New(slog.DiscardHandler)}
	c.Push(1, []byte("a"))
	c.Push(1, []byte("b"))
	select {
	case <-ctx.Done():
		t.Fatal("closed before overflow")
	default:
	}
	c.Push(1, []byte("c"))
	select {
	case <-ctx.Done():
	default:
		t.Fatal("overflow did not close the connection")
	}
	c.Push(1, []byte("d")) // after close: dropped, no block
	if n := c.out.len(); n != 2 {
		t.Fatalf("queue holds %d", n)
	}
	if n := drops.Count(LimitWriteQueue); n != 1 {
		t.Fatalf("overflows counted %d, want 1", n)
	}
}
