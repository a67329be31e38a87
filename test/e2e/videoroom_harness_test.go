package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/janusclient/argustest"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"

	_ "github.com/argusrtc/argus/plugins/videoroom" // registers janus.plugin.videoroom
)

// vrRoomConfig is the VideoRoom config of the tests: room 1234 with a
// secret and a 300 kbps cap, no periodic keyframe requests (fir_freq 0)
// so that the PLI test sees only relayed PLIs, and audio level events
// every 10 packets (0.2 s).
const vrRoomConfig = `{"rooms":[{"room":1234,"description":"E2E Room","secret":"adminpwd",
 "publishers":30,"bitrate":300000,"fir_freq":0,"audiocodec":"opus","videocodec":"vp8",
 "audiolevel_event":true,"audio_active_packets":10,"audio_level_average":25}]}`

// vrServer is an in-process Argus with the VideoRoom and a recording
// emitter (every core, WebRTC and plugin event).
type vrServer struct {
	wsURL   string
	events  *telemetrytest.Emitter
	gateway *core.Gateway
}

func startVideoRoomServer(t *testing.T) *vrServer {
	t.Helper()
	rec := telemetrytest.NewEmitter()
	a := argustest.StartWith(t, argustest.Options{
		Name:        "argus-e2e",
		Logger:      testLogger(),
		Emitter:     rec,
		StatsPeriod: time.Second,
		Configure: func(cfg *core.Config) {
			cfg.SessionTimeout = 0
			cfg.PluginConfigs = map[string]json.RawMessage{"janus.plugin.videoroom": json.RawMessage(vrRoomConfig)}
		},
	})
	return &vrServer{wsURL: a.WS, events: rec, gateway: a.Gateway}
}

// pluginEvents returns the recorded VideoRoom type 64 events.
func (s *vrServer) pluginEvents() []vrEvent {
	var out []vrEvent
	for _, e := range s.events.Events() {
		if e.Type != telemetry.TypePlugin {
			continue
		}
		b, ok := e.Body.(telemetry.PluginBody)
		if !ok || b.Plugin != "janus.plugin.videoroom" {
			continue
		}
		raw, err := json.Marshal(b.Data)
		if err != nil {
			continue
		}
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		var m map[string]any
		if d.Decode(&m) != nil {
			continue
		}
		out = append(out, vrEvent{session: e.SessionID, handle: e.HandleID, data: m})
	}
	return out
}

// vrEvent is one recorded VideoRoom event.
type vrEvent struct {
	session, handle uint64
	data            map[string]any
}

func (e vrEvent) name() string {
	if s, ok := e.data["event"].(string); ok {
		return s
	}
	s, _ := e.data["videoroom"].(string)
	return s
}

// waitEvent waits for a recorded VideoRoom event matching pred.
func (s *vrServer) waitEvent(ctx context.Context, what string, pred func(vrEvent) bool) (vrEvent, error) {
	for {
		for _, e := range s.pluginEvents() {
			if pred(e) {
				return e, nil
			}
		}
		select {
		case <-ctx.Done():
			return vrEvent{}, fmt.Errorf("no %s event: %w", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// vrInbox collects a client's async messages for waiters in any goroutine;
// each message is consumed by one wait.
type vrInbox struct{ in *janusclient.Inbox }

func newVRInbox(c janusClient) *vrInbox { return &vrInbox{in: janusclient.NewInbox(c)} }

// close stops the collecting goroutine.
func (in *vrInbox) close() { in.in.Close() }

// wait consumes and returns the first message matching pred.
func (in *vrInbox) wait(ctx context.Context, what string, pred func(msg) bool) (msg, error) {
	return in.in.Wait(ctx, what, pred)
}

// pluginData is plugindata.data of an event.
func pluginData(m msg) map[string]any {
	d, _ := field(m, "plugindata", "data").(map[string]any)
	return d
}

// waitTick is the polling period of the VideoRoom tests' waits.
func waitTick() <-chan time.Time { return time.After(20 * time.Millisecond) }

// adminClient is the core.Client of in-process Admin API calls.
type adminClient struct{}

func (adminClient) Info() core.TransportInfo               { return core.TransportInfo{Package: "e2e", Admin: true} }
func (adminClient) Push(core.SessionID, []byte)            {}
func (adminClient) SessionOver(core.SessionID, bool, bool) {}

// admin sends one Admin API request straight to the gateway.
func (s *vrServer) admin(ctx context.Context, req msg) (msg, error) {
	return adminCall(ctx, s.gateway, req)
}

// adminCall sends one Admin API request straight to gw.
func adminCall(ctx context.Context, gw *core.Gateway, req msg) (msg, error) {
	raw, err := janusclient.EncodeRequest(req, 0, 0)
	if err != nil {
		return nil, err
	}
	return decode(gw.HandleAdmin(ctx, adminClient{}, raw, core.PathIDs{}))
}
