package pluginkit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/pluginkit"
)

// upper is a complete third plugin: it answers {"text":"..."} with the
// text in upper case, asynchronously, and emits the length as an event.
// Only its own logic is here; the kit does the rest.
type upper struct {
	*pluginkit.Kit // sessions, lifetimes and core.Plugin's Destroy
}

func (p *upper) Init(ctx context.Context, h core.Host, _ json.RawMessage) error {
	p.Kit.Init(ctx, h)
	return nil
}

func (p *upper) NewSession(h core.Handle) (core.PluginSession, error) {
	s := &upperSession{p: p}
	s.ks = p.Attach(h, s, 0)
	return s, nil
}

type upperSession struct {
	p  *upper
	ks *pluginkit.Session
}

func (s *upperSession) HandleMessage(_ context.Context, m core.Message) core.Result {
	if err := s.ks.Enqueue(m); err != nil {
		return core.ErrorResult(err.Error())
	}
	return core.Ack("")
}

// Process runs on the session's worker, one message at a time.
func (s *upperSession) Process(_ context.Context, m core.Message) {
	var req struct{ Text string }
	if err := json.Unmarshal(m.Body, &req); err != nil {
		s.ks.Push(m.Transaction, map[string]any{"upper": "event", "error": err.Error()}, nil)
		return
	}
	out := []byte(req.Text)
	for i, c := range out {
		if c >= 'a' && c <= 'z' {
			out[i] = c - 'a' + 'A'
		}
	}
	s.ks.Push(m.Transaction, map[string]any{"upper": "event", "text": string(out)}, nil)
	// A goroutine bound to the session: Destroy waits for it.
	s.ks.Go(func(ctx context.Context) {
		select {
		case <-ctx.Done():
		case <-time.After(time.Millisecond):
			s.p.Emit(s.ks.Handle(), map[string]any{"length": len(out)})
		}
	})
}

func (s *upperSession) Teardown()   {}
func (s *upperSession) SetupMedia() {}
func (s *upperSession) Hangup()     {}
func (s *upperSession) Destroy()    { s.ks.Destroy() }

var _ core.Plugin = (*upper)(nil)

func Example() {
	host := &coretest.Host{}
	p := &upper{Kit: pluginkit.New(core.PluginInfo{Package: "janus.plugin.upper", Name: "Upper", VersionString: "0.0.1", Version: 1})}
	_ = p.Init(context.Background(), host, nil)
	h := coretest.NewHandle(1, "", nil)
	s, _ := p.NewSession(h)
	res := s.HandleMessage(context.Background(), core.Message{Transaction: "t", Body: json.RawMessage(`{"text":"hello"}`)})
	push, _ := h.NextPush("t", 5*time.Second)
	fmt.Println(res.Ack, push.Data["text"])
	s.Destroy() // the worker and the emitting goroutine have ended
	_ = p.Destroy(context.Background())
	fmt.Println(host.Count() <= 1, p.Len())
	// Output:
	// true HELLO
	// true 0
}
