package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/janusclient/argustest"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/internal/testpeer"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/history"
)

const fleetNATS = "nats://127.0.0.1:4222" // the JetStream the environment runs (scripts/test.sh)

// TestFleetViewBinaries: the fleet layout of docs/SCALING.md with real
// processes. Two argus nodes publish their events into one JetStream
// stream (-event-nats, a stream and subject prefix of this run); a third
// argus, the console, fills its history from that stream
// (history.source) and lists the sessions of both nodes, each marked
// with its emitter. Each node runs an EchoTest with media; the console
// starts after the first sessions (it replays the stream) and must also
// see a session created while it runs.
func TestFleetViewBinaries(t *testing.T) {
	bin := argusBinary(t)
	stream := evhtest.Name("ARGUSFLEET")
	prefix := "argustest." + evhtest.Name("fleet")
	nodeArgs := func(name string) []string {
		return []string{"-server-name", name, "-http", "127.0.0.1:0", "-ws", "", "-admin", "127.0.0.1:0", "-admin-ws", "",
			"-ice-enforce-list", strings.Join(testkit.LoopbackICE(), ","),
			"-history=false", "-event-nats", fleetNATS, "-sink-opt", "nats.stream=" + stream, "-sink-opt", "nats.subject_prefix=" + prefix}
	}
	janusAPI := []string{"http janus api"}
	nodes := map[string]*argustest.Process{}
	for _, name := range []string{"node-a", "node-b"} {
		nodes[name] = argustest.Exec(t, bin, janusAPI, nodeArgs(name)...)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	sessions := map[string]uint64{} // node -> its EchoTest session
	for name, p := range nodes {
		sid, err := fleetEcho(ctx, t, p.URLs["http janus api"])
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, p.Log())
		}
		sessions[name] = sid
	}
	waitStream(ctx, t, stream, nodes)
	_ = evhtest.NATSStream(t, fleetNATS, stream) // deleted when the test ends

	console := argustest.Exec(t, bin, []string{"admin console"},
		"-server-name", "console", "-http", "", "-ws", "", "-admin", "127.0.0.1:0", "-admin-ws", "",
		"-sink-opt", "history.source="+fleetNATS, "-sink-opt", "history.source_stream="+stream)
	api := strings.TrimSuffix(console.URLs["admin console"], "/") + "/api/sessions"

	// A session created while the console runs arrives live.
	lateClient := janusclient.NewHTTP(nodes["node-b"].URLs["http janus api"], janusclient.Options{})
	defer lateClient.Close()
	late, err := janusclient.Create(ctx, lateClient)
	if err != nil {
		t.Fatal(err)
	}

	want := map[uint64]string{sessions["node-a"]: "node-a", sessions["node-b"]: "node-b", late.ID: "node-b"}
	var got map[uint64]history.SessionSummary
	for {
		got, err = consoleSessions(ctx, api)
		if err == nil && fleetComplete(got, want, sessions) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("console sessions %+v (%v), want %v\nconsole log:\n%s", got, err, want, console.Log())
		case <-time.After(200 * time.Millisecond):
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("console lists session %d that no node ran: %+v", id, got[id])
		}
	}
	for name, p := range nodes {
		if err := p.Stop(); err != nil {
			t.Errorf("%s exit: %v", name, err)
		}
	}
	if err := console.Stop(); err != nil {
		t.Errorf("console exit: %v", err)
	}
}

// fleetComplete: every wanted session is listed under its node; the
// EchoTest sessions have the plugin, their handle and connected media.
func fleetComplete(got map[uint64]history.SessionSummary, want map[uint64]string, echo map[string]uint64) bool {
	for id, node := range want {
		if got[id].Emitter != node {
			return false
		}
	}
	for _, id := range echo {
		s := got[id]
		if len(s.Handles) != 1 || len(s.Plugins) != 1 || s.Plugins[0] != "janus.plugin.echotest" || s.State != "connected" {
			return false
		}
	}
	return true
}

// consoleSessions reads the console's session list.
func consoleSessions(ctx context.Context, url string) (map[uint64]history.SessionSummary, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	var body history.SessionsResponse
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := map[uint64]history.SessionSummary{}
	for _, s := range body.Sessions {
		out[s.SessionID] = s
	}
	return out, nil
}

// fleetEcho runs an EchoTest with media on the node at janusURL (HTTP)
// until 10 audio and video packets came back, and leaves the session and
// its media up until the test ends.
func fleetEcho(ctx context.Context, t *testing.T, janusURL string) (uint64, error) {
	c := janusclient.NewHTTP(janusURL, janusclient.Options{})
	t.Cleanup(c.Close)
	in := janusclient.NewInbox(c)
	t.Cleanup(in.Close)
	s, err := janusclient.Create(ctx, c)
	if err != nil {
		return 0, err
	}
	h, err := s.Attach(ctx, "janus.plugin.echotest", "fleet")
	if err != nil {
		return 0, err
	}
	p, err := testpeer.New(testpeer.Config{Audio: true, Video: true})
	if err != nil {
		return 0, err
	}
	t.Cleanup(func() { _ = p.Close() })
	offer, err := p.Offer(ctx, true)
	if err != nil {
		return 0, err
	}
	ev, err := h.Message(ctx, in, map[string]any{"audio": true, "video": true}, janusclient.JSEP("offer", offer, false))
	if err != nil {
		return 0, err
	}
	answer, _ := ev.Field("jsep", "sdp").(string)
	if err := p.SetAnswer(answer); err != nil {
		return 0, fmt.Errorf("answer of %s: %w", ev, err)
	}
	if _, err := in.Wait(ctx, "webrtcup", janusclient.From(h.ID, "webrtcup")); err != nil {
		return 0, err
	}
	p.Start(testpeer.Browser20ms())
	for p.Received("audio").Packets.Load() < 10 || p.Received("video").Packets.Load() < 10 {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("echoed audio %d video %d: %w", p.Received("audio").Packets.Load(), p.Received("video").Packets.Load(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return s.ID, nil
}

// waitStream waits until a node has created the JetStream stream (on its
// first publish).
func waitStream(ctx context.Context, t *testing.T, stream string, nodes map[string]*argustest.Process) {
	t.Helper()
	nc, err := nats.Connect(fleetNATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := js.Stream(ctx, stream)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			var logs []string
			for name, p := range nodes {
				logs = append(logs, name+":\n"+p.Log())
			}
			t.Fatalf("stream %s: %v\n%s", stream, err, strings.Join(logs, "\n"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}
