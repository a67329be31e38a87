package verdict

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// script builds the events of one session the way the core emits them,
// with timestamps advancing 100 ms per step.
type script struct {
	sid, hid uint64
	ts       int64
	events   []*telemetry.Event
}

func newScript() *script { return &script{sid: 11, hid: 22, ts: 1_700_000_000_000_000} }

func (s *script) add(t telemetry.Type, sub int, hid uint64, body any) *script {
	s.ts += 100_000
	s.events = append(s.events, &telemetry.Event{
		Emitter: "test", Type: t, Subtype: sub, Timestamp: s.ts,
		SessionID: s.sid, HandleID: hid, OpaqueID: "op", Body: body,
	})
	return s
}

func (s *script) wait(ms int64) *script { s.ts += ms * 1000; return s }

func (s *script) created() *script {
	return s.add(telemetry.TypeSession, 0, 0, map[string]any{"name": "created"})
}
func (s *script) session(name string) *script {
	return s.add(telemetry.TypeSession, 0, 0, map[string]any{"name": name})
}
func (s *script) handle(name string) *script {
	return s.add(telemetry.TypeHandle, 0, s.hid, map[string]any{"name": name, "plugin": "janus.plugin.echotest"})
}
func (s *script) jsep(owner, typ, sdp string) *script {
	return s.add(telemetry.TypeJSEP, 0, s.hid, map[string]any{"owner": owner, "jsep": map[string]any{"type": typ, "sdp": sdp}})
}
func (s *script) webrtc(sub int, k, v string) *script {
	return s.add(telemetry.TypeWebRTC, sub, s.hid, map[string]any{k: v, "stream_id": 1, "component_id": 1})
}
func (s *script) hangup(reason string) *script {
	return s.add(telemetry.TypeWebRTC, 6, s.hid, map[string]any{"connection": "hangup", "reason": reason})
}

// report is one cumulative media report of one medium.
type report struct {
	mid, media               string
	in, out, lost, lostOut   int64
	jitterIn, jitterOut, rtt float64
}

func (s *script) report(rs ...report) *script {
	var arr []any
	for _, r := range rs {
		arr = append(arr, map[string]any{
			"mid": r.mid, "media": r.media, "packets-received": r.in, "packets-sent": r.out,
			"bytes-received": r.in * 100, "bytes-sent": r.out * 100, "lost": r.lost, "lost-by-remote": r.lostOut,
			"jitter-local": r.jitterIn, "jitter-remote": r.jitterOut, "rtt": r.rtt,
		})
	}
	return s.add(telemetry.TypeMedia, 3, s.hid, arr)
}

const sdpAV = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=%s\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=%s\r\n" +
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n"

// up runs a PeerConnection to webrtcup with the gateway's directions.
func (s *script) up(dir string) *script {
	return s.jsep("remote", "offer", fmt.Sprintf(sdpAV, "sendrecv", "sendrecv")).
		jsep("local", "answer", fmt.Sprintf(sdpAV, dir, dir)).
		webrtc(1, "ice", "gathering").
		webrtc(2, "local-candidate", "1 1 udp 2130706431 127.0.0.1 40000 typ host").
		webrtc(3, "remote-candidate", "candidate:2 1 udp 2130706431 127.0.0.1 50000 typ host generation 0").
		webrtc(1, "ice", "connecting").webrtc(1, "ice", "connected").
		webrtc(4, "selected-pair", "127.0.0.1:40000 [host,udp] <-> 127.0.0.1:50000 [host,udp]").
		webrtc(5, "dtls", "trying").webrtc(5, "dtls", "connected").
		add(telemetry.TypeWebRTC, 6, s.hid, map[string]any{"connection": "webrtcup"}).
		webrtc(1, "ice", "ready")
}

// flow adds n one-second reports of a media flow with per-second increments.
func (s *script) flow(n int, per ...report) *script {
	acc := make([]report, len(per))
	for i := range n {
		for j, p := range per {
			acc[j].mid, acc[j].media = p.mid, p.media
			acc[j].in += p.in
			acc[j].out += p.out
			acc[j].lost += p.lost
			acc[j].lostOut += p.lostOut
			acc[j].jitterIn, acc[j].jitterOut, acc[j].rtt = p.jitterIn, p.jitterOut, p.rtt
		}
		_ = i
		s.wait(900).report(acc...)
	}
	return s
}

var (
	audio = report{mid: "0", media: "audio", in: 50, out: 50, jitterIn: 3, jitterOut: 4, rtt: 2}
	video = report{mid: "1", media: "video", in: 100, out: 100, jitterIn: 5, jitterOut: 6, rtt: 2}
)

func run(evs []*telemetry.Event) []Verdict {
	tr := NewTracker(DefaultThresholds(), DefaultLimits())
	var out []Verdict
	for _, e := range evs {
		out = append(out, tr.Observe(e)...)
	}
	return out
}

func TestTrackerOutcomes(t *testing.T) {
	lossy := func(r report) report { r.lost = r.in / 9; return r } // 10 % of what was sent
	silentVideo := report{mid: "1", media: "video"}
	tests := []struct {
		name     string
		script   *script
		pc, sess Outcome
		finding  string
	}{
		{"clean call", newScript().created().handle("attached").up("sendrecv").flow(5, audio, video).
			hangup("DTLS alert").report(audio).handle("detached").session("destroyed"),
			OutcomeOK, OutcomeOK, "connected in"},
		{"ICE never connects", newScript().created().handle("attached").
			jsep("remote", "offer", fmt.Sprintf(sdpAV, "sendrecv", "sendrecv")).
			jsep("local", "answer", fmt.Sprintf(sdpAV, "sendrecv", "sendrecv")).
			webrtc(1, "ice", "gathering").
			webrtc(3, "remote-candidate", "candidate:1 1 udp 1 192.0.2.1 9 typ srflx raddr 0.0.0.0 rport 0").
			webrtc(1, "ice", "connecting").wait(30000).webrtc(1, "ice", "failed").hangup("ICE failed").
			handle("detached").session("destroyed"),
			OutcomeICEFailed, OutcomeICEFailed, "candidate types srflx"},
		{"DTLS never completes", newScript().created().handle("attached").
			jsep("remote", "offer", fmt.Sprintf(sdpAV, "sendrecv", "sendrecv")).
			jsep("local", "answer", fmt.Sprintf(sdpAV, "sendrecv", "sendrecv")).
			webrtc(1, "ice", "connecting").webrtc(1, "ice", "connected").webrtc(5, "dtls", "trying").
			wait(20000).webrtc(5, "dtls", "failed").hangup("DTLS error").handle("detached").session("destroyed"),
			OutcomeDTLSFailed, OutcomeDTLSFailed, "DTLS handshake never completed"},
		{"no media after webrtcup", newScript().created().handle("attached").up("sendrecv").
			flow(5, report{mid: "0", media: "audio"}, silentVideo).hangup("Janus API").handle("detached").session("destroyed"),
			OutcomeNoMedia, OutcomeNoMedia, "no RTP came from the client"},
		{"one-way: video but no audio", newScript().created().handle("attached").up("sendrecv").
			flow(5, report{mid: "0", media: "audio"}, video).hangup("Janus API").handle("detached").session("destroyed"),
			OutcomeOneWay, OutcomeOneWay, "audio (mid 0) from the client"},
		{"seeded 10 % loss", newScript().created().handle("attached").up("sendrecv").
			flow(5, lossy(audio), lossy(video)).hangup("Janus API").handle("detached").session("destroyed"),
			OutcomePoorQuality, OutcomePoorQuality, "lost on the way in"},
		{"slow link: high RTT and jitter", newScript().created().handle("attached").up("sendrecv").
			flow(5, report{mid: "0", media: "audio", in: 50, out: 50, jitterIn: 45, rtt: 450}, video).
			hangup("Janus API").handle("detached").session("destroyed"),
			OutcomePoorQuality, OutcomePoorQuality, "median RTT was 450 ms"},
		{"client vanishes: consent lost", newScript().created().handle("attached").up("sendrecv").
			flow(3, audio, video).wait(25000).webrtc(1, "ice", "failed").hangup("ICE failed").
			handle("detached").session("destroyed"),
			OutcomeDropped, OutcomeDropped, "the client vanished"},
		{"client vanishes: session timeout", newScript().created().handle("attached").up("sendrecv").
			flow(3, audio, video).wait(60000).hangup("Detach").handle("detached").session("timeout"),
			OutcomeDropped, OutcomeDropped, "session timed out"},
		{"VideoRoom publisher (gateway receives only)", newScript().created().handle("attached").up("recvonly").
			flow(5, report{mid: "0", media: "audio", in: 50}, report{mid: "1", media: "video", in: 100}).
			hangup("Janus API").handle("detached").session("destroyed"),
			OutcomeOK, OutcomeOK, "connected in"},
		{"VideoRoom subscriber (gateway sends only)", newScript().created().handle("attached").up("sendonly").
			flow(5, report{mid: "0", media: "audio", out: 50}, report{mid: "1", media: "video", out: 100}).
			hangup("Janus API").handle("detached").session("destroyed"),
			OutcomeOK, OutcomeOK, "connected in"},
		{"subscriber that got nothing", newScript().created().handle("attached").up("sendonly").
			flow(5, report{mid: "0", media: "audio"}, silentVideo).
			hangup("Janus API").handle("detached").session("destroyed"),
			OutcomeNoMedia, OutcomeNoMedia, "no RTP was sent to the client"},
		{"VideoRoom subscriber whose feed left (last offer inactive)", newScript().created().handle("attached").up("sendonly").
			flow(5, report{mid: "0", media: "audio", out: 29}, report{mid: "1", media: "video", out: 100}).
			jsep("local", "offer", fmt.Sprintf(sdpAV, "inactive", "inactive")).
			jsep("remote", "answer", fmt.Sprintf(sdpAV, "inactive", "inactive")).
			report(report{mid: "0", media: "audio", out: 145}, report{mid: "1", media: "video", out: 500}).
			hangup("Janus API").handle("detached").session("destroyed"),
			OutcomeOK, OutcomeOK, "connected in"},
		{"subscriber that got nothing, then its feed left", newScript().created().handle("attached").up("sendonly").
			flow(5, report{mid: "0", media: "audio"}, silentVideo).
			jsep("local", "offer", fmt.Sprintf(sdpAV, "inactive", "inactive")).
			hangup("Janus API").handle("detached").session("destroyed"),
			OutcomeNoMedia, OutcomeNoMedia, "no RTP was sent to the client"},
		{"subscriber: audio until its feed left, never video", newScript().created().handle("attached").up("sendonly").
			flow(5, report{mid: "0", media: "audio", out: 50}, silentVideo).
			jsep("local", "offer", fmt.Sprintf(sdpAV, "inactive", "sendonly")).
			hangup("Janus API").handle("detached").session("destroyed"),
			OutcomeOneWay, OutcomeOneWay, "audio (mid 0) to the client carried packets, video (mid 1) to the client none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := run(tt.script.events)
			if len(vs) != 2 {
				t.Fatalf("got %d verdicts, want 2 (PeerConnection, session): %+v", len(vs), vs)
			}
			pc, sess := vs[0], vs[1]
			if pc.Scope != ScopePeerConnection || pc.Outcome != tt.pc || pc.HandleID != 22 || pc.SessionID != 11 || pc.OpaqueID != "op" {
				t.Errorf("PeerConnection verdict = %s %s (handle %d), want %s; findings %q", pc.Scope, pc.Outcome, pc.HandleID, tt.pc, pc.Findings)
			}
			if !strings.Contains(strings.Join(pc.Findings, "\n"), tt.finding) {
				t.Errorf("findings %q do not mention %q", pc.Findings, tt.finding)
			}
			if sess.Scope != ScopeSession || sess.Outcome != tt.sess || sess.HandleID != 0 || sess.Session.PeerConnections != 1 {
				t.Errorf("session verdict = %+v, want %s over 1 PeerConnection", sess, tt.sess)
			}
		})
	}
}

func TestTrackerEvidence(t *testing.T) {
	s := newScript().created().handle("attached").up("sendrecv").flow(10, audio, video).
		hangup("DTLS alert").handle("detached").session("destroyed")
	vs := run(s.events)
	pc := vs[0].PeerConnection
	if pc.Milestone != "media" || pc.HangupReason != "DTLS alert" {
		t.Errorf("milestone %q reason %q", pc.Milestone, pc.HangupReason)
	}
	if pc.ICEConnectedMs == nil || *pc.ICEConnectedMs != 600 || pc.WebRTCUpMs == nil || *pc.WebRTCUpMs != 1000 {
		t.Errorf("ICE connected at %v ms, webrtcup at %v ms; want 600 and 1000", deref(pc.ICEConnectedMs), deref(pc.WebRTCUpMs))
	}
	if strings.Join(pc.RemoteCandidateTypes, ",") != "host" || strings.Join(pc.LocalCandidateTypes, ",") != "host" {
		t.Errorf("candidate types %v / %v", pc.RemoteCandidateTypes, pc.LocalCandidateTypes)
	}
	if len(pc.Media) != 2 || pc.Media[0].PacketsIn != 500 || pc.Media[1].PacketsOut != 1000 || pc.Media[0].Direction != "sendrecv" {
		t.Errorf("media %+v", pc.Media)
	}
	if pc.JitterMs != 6 || pc.RTTMs != 2 {
		t.Errorf("jitter %v rtt %v, want 6 and 2", pc.JitterMs, pc.RTTMs)
	}
	sum := vs[1].Session
	if sum.PacketsIn != 1500 || sum.PacketsOut != 1500 || sum.BytesIn != 150000 || sum.End != "destroyed" || sum.Outcomes[OutcomeOK] != 1 {
		t.Errorf("summary %+v", sum)
	}
	if sum.SetupMs == nil || *sum.SetupMs != 1200 {
		t.Errorf("setup %v ms, want 1200 (created → webrtcup)", deref(sum.SetupMs))
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestTrackerWaitsForTheFinalReport(t *testing.T) {
	// A hangup without detach: the verdict waits for the report that
	// follows the hangup, then is emitted once the grace has passed.
	s := newScript().created().handle("attached").up("sendrecv").flow(2, audio, video).hangup("Janus API")
	tr := NewTracker(DefaultThresholds(), DefaultLimits())
	for _, e := range s.events {
		if vs := tr.Observe(e); len(vs) != 0 {
			t.Fatalf("verdict before the grace: %+v", vs)
		}
	}
	s.events = nil
	s.report(report{mid: "0", media: "audio", in: 300, out: 300}).wait(3000).
		add(telemetry.TypeMedia, 3, 99, map[string]any{"mid": "0", "media": "audio"}) // another handle's report
	var vs []Verdict
	for _, e := range s.events {
		vs = append(vs, tr.Observe(e)...)
	}
	if len(vs) != 1 || vs[0].Scope != ScopePeerConnection || vs[0].PeerConnection.Media[0].PacketsIn != 300 {
		t.Fatalf("after the grace: %+v, want the PeerConnection verdict with the final report", vs)
	}
}

func TestTrackerTwoPeerConnectionsOnOneHandle(t *testing.T) {
	s := newScript().created().handle("attached").up("sendrecv").flow(2, audio, video).hangup("Janus API").
		up("sendrecv").flow(2, report{mid: "0", media: "audio"}, report{mid: "1", media: "video"}).
		hangup("Janus API").handle("detached").session("destroyed")
	vs := run(s.events)
	if len(vs) != 3 || vs[0].Outcome != OutcomeOK || vs[1].Outcome != OutcomeNoMedia || vs[2].Outcome != OutcomeNoMedia {
		t.Fatalf("verdicts %v", outcomes(vs))
	}
	if vs[2].Session.PeerConnections != 2 || vs[2].Session.Outcomes[OutcomeOK] != 1 {
		t.Errorf("summary %+v", vs[2].Session)
	}
}

// TestTrackerRefusedOfferNotJudged: a client's offer that the plugin
// refused (no local jsep) and whose PeerConnection the core ended with a
// hangup is not judged (doc.go): the client's retry on the same handle,
// hung up first as Janus clients do, is the one PeerConnection judged,
// and the session's outcome is that one's, not "ice-failed"; a refused
// offer that is never retried leaves the session ok with no
// PeerConnection.
func TestTrackerRefusedOfferNotJudged(t *testing.T) {
	refused := func(s *script) *script {
		return s.jsep("remote", "offer", fmt.Sprintf(sdpAV, "sendrecv", "sendrecv")).
			webrtc(3, "remote-candidate", "candidate:1 1 udp 1 192.0.2.1 9 typ host").
			hangup("Janus API")
	}
	s := refused(newScript().created().handle("attached")).
		up("sendrecv").flow(3, audio, video).hangup("Janus API").handle("detached").session("destroyed")
	vs := run(s.events)
	if len(vs) != 2 || vs[0].Outcome != OutcomeOK || vs[1].Outcome != OutcomeOK || vs[1].Session.PeerConnections != 1 {
		t.Fatalf("refused then retried: verdicts %v, want ok (one PeerConnection) and the session ok; %+v", outcomes(vs), vs)
	}
	vs = run(refused(newScript().created().handle("attached")).handle("detached").session("destroyed").events)
	if len(vs) != 1 || vs[0].Scope != ScopeSession || vs[0].Outcome != OutcomeOK || vs[0].Session.PeerConnections != 0 {
		t.Fatalf("refused, never retried: verdicts %v, want only the session's, ok, with no PeerConnection; %+v", outcomes(vs), vs)
	}
}

// TestTrackerNoPeerConnectionAfterDetach: a JSEP of a handle whose
// detach closed its PeerConnection (a VideoRoom subscriber's update offer
// racing the session's destroy) starts no second PeerConnection, whether it
// comes before the handle's "detached", after it, or after the handle's
// verdict; the session's verdict counts the one PeerConnection, ok.
func TestTrackerNoPeerConnectionAfterDetach(t *testing.T) {
	inactive := fmt.Sprintf(sdpAV, "inactive", "inactive")
	flowed := func() *script {
		return newScript().created().handle("attached").up("sendonly").
			flow(3, report{mid: "0", media: "audio", out: 50}, report{mid: "1", media: "video", out: 100})
	}
	tests := []struct {
		name   string
		script *script
	}{
		{"between the Detach hangup and detached", flowed().hangup("Detach").
			jsep("local", "offer", inactive).webrtc(1, "ice", "gathering").handle("detached").session("destroyed")},
		{"after detached", flowed().hangup("Detach").handle("detached").
			jsep("local", "offer", inactive).webrtc(1, "ice", "gathering").session("destroyed")},
		{"after the handle's verdict", flowed().hangup("Detach").handle("detached").wait(3000).
			jsep("local", "offer", inactive).webrtc(1, "ice", "gathering").session("destroyed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := run(tt.script.events)
			if len(vs) != 2 || vs[0].Outcome != OutcomeOK || vs[1].Outcome != OutcomeOK {
				t.Fatalf("verdicts %v, want [peerconnection:ok session:ok]", outcomes(vs))
			}
			if pc := vs[0].PeerConnection; pc.HangupReason != "Detach" || pc.Media[0].PacketsOut != 150 {
				t.Errorf("PeerConnection evidence %+v, want the one that carried media", pc)
			}
			if n := vs[1].Session.PeerConnections; n != 1 {
				t.Errorf("session counts %d PeerConnections, want 1", n)
			}
		})
	}
}

// TestTrackerForgetsFewDetachedHandles: the handles remembered as detached
// are bounded, and a handle detached before them is tracked again.
func TestTrackerForgetsFewDetachedHandles(t *testing.T) {
	tr := NewTracker(DefaultThresholds(), DefaultLimits())
	ev := func(t telemetry.Type, hid uint64, body any) *telemetry.Event {
		return &telemetry.Event{Type: t, SessionID: 1, HandleID: hid, Timestamp: 1, Body: body}
	}
	for hid := uint64(1); hid <= 2*maxGone; hid++ {
		tr.Observe(ev(telemetry.TypeHandle, hid, map[string]any{"name": "attached"}))
		tr.Observe(ev(telemetry.TypeMedia, hid, map[string]any{"mid": "0", "media": "audio"}))
		tr.Observe(ev(telemetry.TypeHandle, hid, map[string]any{"name": "detached"}))
	}
	s := tr.sessions[1]
	if len(s.handles) != 0 || len(s.gone) != maxGone || s.gone[0] != maxGone+1 {
		t.Fatalf("%d handles, gone %v; want none and the last %d", len(s.handles), s.gone, maxGone)
	}
	tr.Observe(ev(telemetry.TypeMedia, 2*maxGone, map[string]any{"mid": "0", "media": "audio"}))
	tr.Observe(ev(telemetry.TypeMedia, 1, map[string]any{"mid": "0", "media": "audio"}))
	if _, late := s.handles[2*maxGone]; late || s.handles[1] == nil {
		t.Errorf("handles %v: want a late event of a remembered handle ignored, of an older one tracked", s.handles)
	}
}

func outcomes(vs []Verdict) []string {
	var s []string
	for _, v := range vs {
		s = append(s, v.Scope+":"+string(v.Outcome))
	}
	return s
}

func TestTrackerBounds(t *testing.T) {
	tr := NewTracker(DefaultThresholds(), Limits{Sessions: 2, HandlesPerSession: 1, MediaPerPC: 1, RTTSamples: 2})
	for sid := uint64(1); sid <= 5; sid++ {
		tr.Observe(&telemetry.Event{Type: telemetry.TypeSession, SessionID: sid, Body: map[string]any{"name": "created"}})
	}
	if len(tr.sessions) != 2 || tr.Untracked != 3 {
		t.Fatalf("tracked %d, untracked %d; want 2 and 3", len(tr.sessions), tr.Untracked)
	}
	for hid := uint64(1); hid <= 3; hid++ {
		tr.Observe(&telemetry.Event{Type: telemetry.TypeJSEP, SessionID: 1, HandleID: hid,
			Body: map[string]any{"owner": "local", "jsep": map[string]any{"sdp": fmt.Sprintf(sdpAV, "sendrecv", "sendrecv")}}})
	}
	s := tr.sessions[1]
	if len(s.handles) != 1 || len(s.handles[1].pc.media) != 1 {
		t.Fatalf("handles %d, media %d; want 1 and 1", len(s.handles), len(s.handles[1].pc.media))
	}
	for i := range 10 {
		tr.Observe(&telemetry.Event{Type: telemetry.TypeMedia, Subtype: 3, SessionID: 1, HandleID: 1,
			Body: map[string]any{"mid": "0", "media": "audio", "rtt": float64(10 + i)}})
	}
	if n := len(s.handles[1].pc.media[0].rtts); n != 2 {
		t.Errorf("RTT samples %d, want 2", n)
	}
	// Verdict events of our own are never fed back into the tracker.
	before := len(tr.sessions)
	tr.Observe(Event(Verdict{Scope: ScopeSession, SessionID: 77}, "x"))
	if len(tr.sessions) != before {
		t.Error("a verdict event started tracking a session")
	}
}

func TestVerdictEventJSON(t *testing.T) {
	s := newScript().created().handle("attached").up("sendrecv").flow(2, audio, video).
		hangup("DTLS alert").handle("detached").session("destroyed")
	vs := run(s.events)
	b, err := json.Marshal(Event(vs[0], "argus-1"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Emitter   string `json:"emitter"`
		Type      int    `json:"type"`
		SessionID uint64 `json:"session_id"`
		HandleID  uint64 `json:"handle_id"`
		Event     struct {
			Schema string `json:"schema"`
			Data   struct {
				Scope          string         `json:"scope"`
				Outcome        string         `json:"outcome"`
				Findings       []string       `json:"findings"`
				PeerConnection map[string]any `json:"peerconnection"`
			} `json:"data"`
		} `json:"event"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Emitter != "argus-1" || got.Type != 4 || got.SessionID != 11 || got.HandleID != 22 ||
		got.Event.Schema != "argus.verdict" || got.Event.Data.Scope != "peerconnection" || got.Event.Data.Outcome != "ok" ||
		len(got.Event.Data.Findings) == 0 || got.Event.Data.PeerConnection["milestone"] != "media" {
		t.Errorf("verdict event: %s", b)
	}
}

func TestTrackerIgnoresAReportWhoseCountersWentBack(t *testing.T) {
	// The report at hangup may come from statistics already torn down.
	s := newScript().created().handle("attached").up("sendrecv").flow(3, audio, video).
		report(report{mid: "0", media: "audio"}, report{mid: "1", media: "video"}).
		hangup("DTLS alert").handle("detached").session("destroyed")
	vs := run(s.events)
	if vs[0].Outcome != OutcomeOK || vs[0].PeerConnection.Media[0].PacketsIn != 150 {
		t.Fatalf("verdict %s with media %+v, want ok with the last real counters", vs[0].Outcome, vs[0].PeerConnection.Media)
	}
}

func TestTrackerDirectionIsWhatTheMediumCarried(t *testing.T) {
	// A subscriber's m-lines made inactive by its last offer (the feed
	// left) after they carried media keep the direction the media took.
	s := newScript().created().handle("attached").up("sendonly").
		flow(3, report{mid: "0", media: "audio", out: 50}, report{mid: "1", media: "video"}).
		jsep("local", "offer", fmt.Sprintf(sdpAV, "inactive", "inactive")).
		hangup("Janus API").handle("detached").session("destroyed")
	media := run(s.events)[0].PeerConnection.Media
	if len(media) != 2 || media[0].Direction != "sendonly" || media[1].Direction != "inactive" {
		t.Errorf("media %+v, want audio sendonly (it carried packets to the client), video inactive", media)
	}
}
