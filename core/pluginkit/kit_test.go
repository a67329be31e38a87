package pluginkit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/pluginkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// handler records Process calls; block makes Process wait until released.
type handler struct {
	mu        sync.Mutex
	processed []string
	block     chan struct{}
	teardowns atomic.Int32
	onProcess func(ctx context.Context)
}

func (h *handler) Process(ctx context.Context, m core.Message) {
	if h.block != nil {
		select {
		case <-h.block:
		case <-ctx.Done():
		}
	}
	h.mu.Lock()
	h.processed = append(h.processed, m.Transaction)
	h.mu.Unlock()
	if h.onProcess != nil {
		h.onProcess(ctx)
	}
}

func (h *handler) Teardown() { h.teardowns.Add(1) }

func (h *handler) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.processed...)
}

func msg(tx string) core.Message { return core.Message{Transaction: tx, Body: []byte(`{}`)} }

func TestQueueOrderAndBound(t *testing.T) {
	k := pluginkit.New(core.PluginInfo{Package: "janus.plugin.test"})
	k.Init(t.Context(), &coretest.Host{})
	defer func() { _ = k.Destroy(context.Background()) }()
	h := &handler{block: make(chan struct{})}
	s := k.Attach(coretest.NewHandle(1, "", nil), h, 2)
	// The worker takes at most one message and blocks; two more fill the
	// queue; then Enqueue refuses.
	if err := s.Enqueue(msg("a")); err != nil {
		t.Fatal(err)
	}
	accepted := 1
	var err error
	for range 100 {
		if err = s.Enqueue(msg("x")); err != nil {
			break
		}
		accepted++
	}
	if !errors.Is(err, pluginkit.ErrQueueFull) || err.Error() != "too many pending messages" || accepted > 3 {
		t.Fatalf("enqueue on a full queue: %v after %d accepted", err, accepted)
	}
	close(h.block)
	deadline := time.Now().Add(10 * time.Second)
	for len(h.list()) != accepted && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(h.list()) != accepted {
		t.Fatalf("processed %v of %d accepted", h.list(), accepted)
	}
	if got := h.list(); got[0] != "a" {
		t.Errorf("processed %v, want a first", got)
	}
	s.Destroy()
	if err := s.Enqueue(msg("late")); !errors.Is(err, pluginkit.ErrDestroyed) {
		t.Errorf("enqueue after destroy: %v", err)
	}
}

func TestDestroyEndsEverything(t *testing.T) {
	k := pluginkit.New(core.PluginInfo{Package: "janus.plugin.test"})
	k.Init(t.Context(), &coretest.Host{})
	var ended atomic.Int32
	h := &handler{}
	s := k.Attach(coretest.NewHandle(1, "", nil), h, 0)
	for range 5 {
		if !s.Go(func(ctx context.Context) { <-ctx.Done(); ended.Add(1) }) {
			t.Fatal("Go refused before Destroy")
		}
	}
	if k.Len() != 1 {
		t.Fatalf("Len = %d", k.Len())
	}
	s.Destroy()
	s.Destroy() // idempotent
	if ended.Load() != 5 || h.teardowns.Load() != 1 {
		t.Fatalf("after Destroy: %d goroutines ended, %d teardowns", ended.Load(), h.teardowns.Load())
	}
	if s.Context().Err() == nil || !s.Destroyed() || k.Len() != 0 {
		t.Fatalf("ctx %v destroyed %v len %d", s.Context().Err(), s.Destroyed(), k.Len())
	}
	if s.Go(func(context.Context) { t.Error("ran after Destroy") }) {
		t.Fatal("Go accepted after Destroy")
	}
	_ = k.Destroy(context.Background())
}

// TestSessionContextFromInit: the session context carries the Init
// context's values, survives its cancellation and ends with Kit.Destroy.
func TestSessionContextFromInit(t *testing.T) {
	type key struct{}
	initCtx, cancelInit := context.WithCancel(context.WithValue(t.Context(), key{}, "root"))
	k := pluginkit.New(core.PluginInfo{Package: "janus.plugin.test"})
	early := k.Attach(coretest.NewHandle(2, "", nil), &handler{}, 0) // before Init
	k.Init(initCtx, &coretest.Host{})
	cancelInit()
	if early.Context().Err() != nil {
		t.Fatal("Init ended a session attached before it")
	}
	s := k.Attach(coretest.NewHandle(1, "", nil), &handler{}, 0)
	if s.Context().Value(key{}) != "root" {
		t.Fatal("session context does not derive from the Init context")
	}
	if s.Context().Err() != nil {
		t.Fatal("session context cancelled with the Init context")
	}
	_ = k.Destroy(context.Background())
	if s.Context().Err() == nil || !s.Destroyed() || early.Context().Err() == nil || !early.Destroyed() {
		t.Fatal("Kit.Destroy left a session alive")
	}
}

// TestConcurrentDestroy: Destroy racing Enqueue and Go from other
// goroutines loses nothing and leaks nothing (run with -race).
func TestConcurrentDestroy(t *testing.T) {
	k := pluginkit.New(core.PluginInfo{Package: "janus.plugin.test"})
	k.Init(t.Context(), &coretest.Host{})
	defer func() { _ = k.Destroy(context.Background()) }()
	for range 20 {
		var started, ended atomic.Int32
		h := &handler{}
		s := k.Attach(coretest.NewHandle(1, "", nil), h, 0)
		h.onProcess = func(context.Context) {
			if s.Go(func(ctx context.Context) { <-ctx.Done(); ended.Add(1) }) {
				started.Add(1)
			}
		}
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					_ = s.Enqueue(msg(string(rune('a' + i))))
				}
			}()
		}
		s.Destroy()
		wg.Wait()
		if started.Load() != ended.Load() {
			t.Fatalf("%d goroutines started, %d ended", started.Load(), ended.Load())
		}
	}
}
