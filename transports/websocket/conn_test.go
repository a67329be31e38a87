package websocket

import (
	"context"
	"log/slog"
	"testing"
)

func TestSendOverflowClosesConnection(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	drops := &dropCount{}
	c := &conn{t: &Transport{cfg: Config{Refusals: drops}}, out: make(chan []byte, 2), done: ctx.Done(), cancel: cancel, log: slog.New(slog.DiscardHandler)}
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
	if len(c.out) != 2 {
		t.Fatalf("queue holds %d", len(c.out))
	}
	if drops.n[LimitWriteQueue] != 1 {
		t.Fatalf("overflows counted %v, want 1", drops.n)
	}
}
