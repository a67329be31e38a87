package echotest

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	pion "github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/refusals"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/internal/testpeer"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// mediaReports records the media report bodies (type 32 subtype 3).
type mediaReports struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (r *mediaReports) Emit(e *telemetry.Event) {
	if e.Type != telemetry.TypeMedia || e.Subtype != telemetry.SubtypeMediaReport || e.HandleID != 2 {
		return
	}
	if b := telemetrytest.Fields(e.Body); b != nil {
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.mu.Unlock()
	}
}

// sent reports whether a media report of media shows packets and bytes
// sent.
func (r *mediaReports) sent(media string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bodies {
		pkts, _ := b["packets-sent"].(uint64)
		bytes, _ := b["bytes-sent"].(uint64)
		if b["media"] == media && pkts > 0 && bytes > 0 {
			return true
		}
	}
	return false
}

// setup builds an engine, a plugin and one session on a fake handle.
func setup(t *testing.T) (*coretest.Handle, *coretest.Host, core.PluginSession) {
	t.Helper()
	h, host, s, _ := setupReports(t)
	return h, host, s
}

// setupReports is setup that also returns the engine's media reports.
func setupReports(t *testing.T) (*coretest.Handle, *coretest.Host, core.PluginSession, *mediaReports) {
	t.Helper()
	reports := &mediaReports{}
	h, host, s := setupEngine(t, webrtc.Config{Emitter: reports, StatsPeriod: 100 * time.Millisecond})
	return h, host, s, reports
}

// setupEngine is setup with an engine of cfg.
func setupEngine(t *testing.T, cfg webrtc.Config) (*coretest.Handle, *coretest.Host, core.PluginSession) {
	t.Helper()
	eng := coretest.Engine(t, cfg)
	host := &coretest.Host{}
	p := New()
	if err := p.Init(t.Context(), host, nil); err != nil {
		t.Fatal(err)
	}
	h := coretest.NewHandle(2, "echotest-test", eng)
	s, err := p.NewSession(h)
	if err != nil {
		t.Fatal(err)
	}
	h.Attach(s)
	t.Cleanup(func() {
		h.ClosePeer()
		s.Destroy()
		_ = p.Destroy(context.Background())
		_ = eng.Close()
	})
	return h, host, s
}

// send hands a message to the session and returns the async push.
func send(t *testing.T, h *coretest.Handle, s core.PluginSession, tx, body string, jsep *core.JSEP) coretest.Push {
	t.Helper()
	res := s.HandleMessage(context.Background(), core.Message{Transaction: tx, Body: json.RawMessage(body), JSEP: jsep})
	if !res.Ack || res.Hint != "I'm taking my time!" {
		t.Fatalf("result = %+v, want ack with hint", res)
	}
	return h.ExpectTx(t, "")
}

// sendOffer sends client's offer with audio and video on, as transaction
// t1, and returns the push that answers it and the handle's peer. Like
// the core, it applies the offer to that peer before HandleMessage.
func sendOffer(ctx context.Context, t *testing.T, h *coretest.Handle, s core.PluginSession, client *testpeer.Peer) (coretest.Push, *webrtc.Peer) {
	t.Helper()
	sdp, err := client.Offer(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "offer", sdp); err != nil {
		t.Fatal(err)
	}
	return send(t, h, s, "t1", `{"audio":true,"video":true}`, &core.JSEP{Type: "offer", SDP: sdp}), peer
}

func TestRequestErrors(t *testing.T) {
	h, host, s := setup(t)
	tests := []struct {
		body string
		code float64
		text string
	}{
		{`{}`, 413, "Message error: no supported attributes found"},
		{`[1]`, 412, "JSON error: not an object"},
		{`null`, 411, "No message??"},
		{`{"audio":"yes"}`, 413, "Invalid element type (audio should be a boolean)"},
		{`{"bitrate":-1}`, 413, "Invalid element type (bitrate should be a positive integer)"},
		{`{"bitrate":1.5}`, 413, "Invalid element type (bitrate should be a positive integer)"},
		{`{"substream":3}`, 413, "Invalid value (substream should be 0, 1 or 2)"},
		{`{"temporal":9}`, 413, "Invalid value (temporal should be 0, 1 or 2)"},
		{`{"record":true}`, 413, "Recording is not supported by Argus"},
	}
	for _, tc := range tests {
		p := send(t, h, s, "tx", tc.body, nil)
		if p.Transaction != "tx" || p.Data["echotest"] != "event" || p.Data["error_code"] != tc.code || p.Data["error"] != tc.text {
			t.Errorf("%s: push = %+v", tc.body, p)
		}
	}
	if host.Count() != 0 {
		t.Errorf("events after errors: %d", host.Count())
	}
	p := send(t, h, s, "ok", `{"audio":false,"bitrate":128000}`, nil)
	if p.Data["result"] != "ok" || p.JSEP != nil {
		t.Fatalf("push = %+v", p)
	}
	waitFor(t, "plugin event", func() bool { return host.Count() == 1 })
	ev, _ := host.Events()[0].Raw.(telemetry.EchoTestData)
	if ev != (telemetry.EchoTestData{AudioActive: false, VideoActive: true, Bitrate: 128000}) {
		t.Errorf("event = %v", ev)
	}
	q := s.(core.SessionQuerier).Query().(map[string]any)
	if q["audio_active"] != false || q["bitrate"] != uint64(128000) {
		t.Errorf("query = %v", q)
	}
}

// hooked is a coretest handle a test wraps to act inside Push.
type hooked interface {
	core.Handle
	Attach(s core.PluginSession)
}

// setupHooked is setup for a handle that acts inside Push: wrap turns the
// engine's coretest handle into it, bind hands it the session before
// any message.
func setupHooked(t *testing.T, wrap func(*coretest.Handle) hooked, bind func(core.PluginSession)) (*coretest.Host, core.PluginSession) {
	t.Helper()
	eng := coretest.Engine(t, webrtc.Config{})
	host := &coretest.Host{}
	p := New()
	if err := p.Init(t.Context(), host, nil); err != nil {
		t.Fatal(err)
	}
	h := wrap(coretest.NewHandle(2, "echotest-test", eng))
	s, err := p.NewSession(h)
	if err != nil {
		t.Fatal(err)
	}
	bind(s)
	h.Attach(s)
	t.Cleanup(func() {
		s.Destroy()
		_ = p.Destroy(context.Background())
		_ = eng.Close()
	})
	return host, s
}

// hangupOnPush hangs the session up inside Push, as a client that hangs
// up the moment it reads the answer can, before the plugin's next line.
type hangupOnPush struct {
	*coretest.Handle
	s core.PluginSession
}

func (h *hangupOnPush) Push(tx string, data any, jsep *core.JSEP) error {
	err := h.Handle.Push(tx, data, jsep)
	h.s.Hangup()
	return err
}

// TestEventAfterQuickHangup: the plugin event of a request carries the
// state the request set, even when a hangup (which restores the
// defaults) comes between the answer and the event.
func TestEventAfterQuickHangup(t *testing.T) {
	h := &hangupOnPush{}
	host, s := setupHooked(t, func(c *coretest.Handle) hooked { h.Handle = c; return h }, func(s core.PluginSession) { h.s = s })
	send(t, h.Handle, s, "tx", `{"video":false,"bitrate":256000}`, nil)
	waitFor(t, "plugin event", func() bool { return host.Count() == 1 })
	ev, _ := host.Events()[0].Raw.(telemetry.EchoTestData)
	if want := (telemetry.EchoTestData{AudioActive: true, VideoActive: false, Bitrate: 256000}); ev != want {
		t.Errorf("event = %+v, want %+v", ev, want)
	}
}

// requestOnDone sends a request from inside Push when the push is the
// hangup's "result":"done", and waits for its answer, as a client that
// renegotiates the moment it reads "done" can, before the plugin's next
// line.
type requestOnDone struct {
	*coretest.Handle
	t    *testing.T
	s    core.PluginSession
	body string
}

func (h *requestOnDone) Push(tx string, data any, jsep *core.JSEP) error {
	err := h.Handle.Push(tx, data, jsep)
	if m, _ := data.(map[string]any); m["result"] == "done" {
		res := h.s.HandleMessage(context.Background(), core.Message{Transaction: "after-done", Body: json.RawMessage(h.body)})
		if !res.Ack {
			h.t.Errorf("request after done: %+v", res)
			return err
		}
		if _, werr := h.NextPush("after-done", coretest.ExpectTimeout); werr != nil {
			h.t.Errorf("answer to the request after done: %v", werr)
		}
	}
	return err
}

// TestSettingsAfterQuickRequest: a request the client sends on reading
// the hangup's "done" keeps its settings; the hangup's reset to the
// defaults comes before "done", not after it.
func TestSettingsAfterQuickRequest(t *testing.T) {
	h := &requestOnDone{t: t, body: `{"video":false,"bitrate":256000}`}
	_, s := setupHooked(t, func(c *coretest.Handle) hooked { h.Handle = c; return h }, func(s core.PluginSession) { h.s = s })
	send(t, h.Handle, s, "tx", `{"audio":false,"bitrate":128000}`, nil)
	s.Hangup()
	q, _ := s.(core.SessionQuerier).Query().(map[string]any)
	want := map[string]any{"audio_active": true, "video_active": false, "bitrate": uint64(256000)}
	for k, v := range want {
		if q[k] != v {
			t.Errorf("%s = %v after the request that followed done, want %v", k, q[k], v)
		}
	}
}

func TestAdminMessageEcho(t *testing.T) {
	p := New()
	got := p.HandleAdminMessage(context.Background(), json.RawMessage(`{"request":"anything","x":1}`))
	m := got.(map[string]any)
	if m["request"] != "anything" || m["x"] != float64(1) {
		t.Fatalf("admin reply = %v", got)
	}
}

// TestEchoLoopback: a pion client (testpeer) sends Opus and VP8 RTP and
// data channel messages; everything comes back; audio:false stops audio.
func TestEchoLoopback(t *testing.T) {
	h, host, s, reports := setupReports(t)

	client, err := testpeer.New(testpeer.Config{Codecs: testpeer.CodecsPion, Audio: true, Video: true, DataChannel: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	replies := client.DataReplies()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, peer := sendOffer(ctx, t, h, s, client)
	if p.Data["result"] != "ok" || p.JSEP == nil || p.JSEP.Type != "answer" || p.Transaction != "t1" {
		t.Fatalf("push = %+v", p)
	}
	if n := strings.Count(p.JSEP.SDP, "a=sendrecv"); n < 2 || strings.Contains(p.JSEP.SDP, "a=recvonly") {
		t.Fatalf("answer has %d sendrecv m-lines:\n%s", n, p.JSEP.SDP)
	}
	if n := strings.Count(p.JSEP.SDP, "a=rtpmap:"); n != 3 { // opus, vp8, rtx
		t.Errorf("answer has %d codecs, want 3:\n%s", n, p.JSEP.SDP)
	}
	if err := client.SetAnswer(p.JSEP.SDP); err != nil {
		t.Fatal(err)
	}

	const payload = 200
	client.Start(testpeer.Media{AudioPPS: 100, AudioSize: payload, VideoFPS: 100, VideoSize: payload})
	audioIn, videoIn := client.Received("audio"), client.Received("video")
	waitFor(t, "50 echoed audio and video packets", func() bool { return audioIn.Packets.Load() >= 50 && videoIn.Packets.Load() >= 50 })
	for _, name := range []string{"audio", "video"} {
		if b := client.Received(name).Bytes.Load(); b < 50*payload {
			t.Errorf("%s: echoed %d payload bytes", name, b)
		}
		// The echo handle's media reports count what it sent.
		waitFor(t, name+" media report with packets-sent and bytes-sent", func() bool { return reports.sent(name) })
	}

	// Data channel: text gets the prefix, binary comes back unchanged.
	select {
	case <-client.DataOpen():
	case <-time.After(10 * time.Second):
		t.Fatal("data channel did not open")
	}
	if err := client.DC.SendText("hello"); err != nil {
		t.Fatal(err)
	}
	if m := nextReply(t, replies); !m.IsString || string(m.Data) != "Janus EchoTest here! You wrote: hello" {
		t.Errorf("text reply = %q", m.Data)
	}
	if err := client.DC.Send([]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if m := nextReply(t, replies); m.IsString || string(m.Data) != "\x01\x02\x03" {
		t.Errorf("binary reply = %v", m.Data)
	}

	// audio:false: audio the client keeps sending after the ack is not
	// echoed, video still is.
	if p := send(t, h, s, "t2", `{"audio":false}`, nil); p.Data["result"] != "ok" {
		t.Fatalf("push = %+v", p)
	}
	// Flush what was in flight before the toggle: wait for fresh video.
	v0 := videoIn.Packets.Load()
	waitFor(t, "20 more echoed video packets", func() bool { return videoIn.Packets.Load() >= v0+20 })
	a1, v1, sent1 := audioIn.Packets.Load(), videoIn.Packets.Load(), client.Sent("audio").Packets.Load()
	waitFor(t, "50 more echoed video packets", func() bool { return videoIn.Packets.Load() >= v1+50 })
	if a2 := audioIn.Packets.Load(); a2 != a1 {
		t.Errorf("audio echoed while disabled: %d → %d", a1, a2)
	}
	if sent2 := client.Sent("audio").Packets.Load(); sent2 < sent1+25 {
		t.Errorf("client sent %d audio packets while audio was disabled, want at least 25", sent2-sent1)
	}
	waitFor(t, "plugin events", func() bool { return host.Count() >= 2 })

	// Re-enabling video asks the client for a keyframe.
	plis := &client.RTCP.PLIs
	p0 := plis.Load()
	if p := send(t, h, s, "t3", `{"video":false}`, nil); p.Data["result"] != "ok" {
		t.Fatalf("push = %+v", p)
	}
	if p := send(t, h, s, "t4", `{"video":true}`, nil); p.Data["result"] != "ok" {
		t.Fatalf("push = %+v", p)
	}
	waitFor(t, "PLI after video re-enabled", func() bool { return plis.Load() > p0 })
	// A PLI from the client about the echoed video is forwarded to it.
	p1 := plis.Load()
	if err := client.PC.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: echoedVideoSSRC(client)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "forwarded PLI", func() bool { return plis.Load() > p1 })
	// bitrate caps the client through REMB, sent at once and then again
	// every second by a loop that runs only from the first cap on.
	// (The only Session.Every of an EchoTest session; named as inlined or not.)
	const rembLoop = "(*Session).Every"
	if n := len(coretest.GoroutinesIn(rembLoop)); n != 0 {
		t.Errorf("%d REMB loops before any bitrate cap, want 0", n)
	}
	if p := send(t, h, s, "t5", `{"bitrate":256000}`, nil); p.Data["result"] != "ok" {
		t.Fatalf("push = %+v", p)
	}
	waitFor(t, "REMB 256000", func() bool { return client.RTCP.REMB.Load() == 256000 })
	waitFor(t, "a REMB loop", func() bool { return len(coretest.GoroutinesIn(rembLoop)) == 1 })
	client.RTCP.REMB.Store(0)
	waitFor(t, "REMB 256000 re-sent", func() bool { return client.RTCP.REMB.Load() == 256000 })

	// Hangup: the plugin says "done".
	h.ClosePeer()
	done := h.ExpectTx(t, "")
	if done.Data["echotest"] != "event" || done.Data["result"] != "done" {
		t.Errorf("hangup push = %+v", done)
	}
	<-peer.Done()

	// Detach: the worker, the REMB loop and the RTCP readers, all in the
	// session's goroutine group, are gone when Destroy returns.
	s.Destroy()
	if left := coretest.WaitGoroutinesGone(2*time.Second, "github.com/argusrtc/argus/core/pluginkit"); len(left) != 0 {
		t.Errorf("%d session goroutines outlived Destroy:\n%s", len(left), left[0])
	}
}

// echoedVideoSSRC is the SSRC of the video the client got back.
func echoedVideoSSRC(c *testpeer.Peer) uint32 {
	for _, tr := range c.Tracks() {
		if tr.Kind() == "video" {
			return tr.SSRC.Load()
		}
	}
	return 0
}

func nextReply(t *testing.T, ch <-chan pion.DataChannelMessage) pion.DataChannelMessage {
	t.Helper()
	return testkit.Recv(t, ch, 10*time.Second, "data channel reply")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Until(t, 10*time.Second, what, cond)
}

// TestDataEchoBounded replays audit finding 2 (EchoTest side) in small: a
// client that stops reading its data channel while it keeps sending does
// not make the echo queue without limit; echoes beyond
// webrtc.MaxDataChannelBuffered are dropped and counted.
func TestDataEchoBounded(t *testing.T) {
	counts := refusals.New(webrtc.LimitDataChannelBuffer)
	h, _, s := setupEngine(t, webrtc.Config{Refusals: counts})
	client, err := testpeer.New(testpeer.Config{Codecs: testpeer.CodecsPion, Audio: true, Video: true, DataChannel: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	stop := make(chan struct{})
	defer close(stop) // before the client closes: its read loop is blocked here
	client.DC.OnMessage(func(pion.DataChannelMessage) { <-stop })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, _ := sendOffer(ctx, t, h, s, client)
	if err := client.SetAnswer(p.JSEP.SDP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-client.DataOpen():
	case <-time.After(10 * time.Second):
		t.Fatal("data channel did not open")
	}
	// 4 MiB: more than the client's receive buffer (1 MiB) and the
	// echo's limit together.
	msg := bytes.Repeat([]byte{7}, 32<<10)
	for range 128 {
		if err := client.DC.Send(msg); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "echoes dropped beyond the data channel buffer", func() bool {
		return counts.Count(webrtc.LimitDataChannelBuffer) > 0
	})
}
