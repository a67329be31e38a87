package echotest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/pluginkit"
	"github.com/argusrtc/argus/telemetry"
)

// Janus texts and limits.
const (
	ackHint = "I'm taking my time!"
	// answerTimeout bounds ICE gathering while answering an offer.
	answerTimeout = 10 * time.Second
)

// session is the EchoTest state of one handle.
type session struct {
	p  *Plugin
	h  core.Handle
	ks *pluginkit.Session // queue, worker, context and goroutines

	// Read on the packet path: atomics only.
	audioActive atomic.Bool
	videoActive atomic.Bool
	bitrate     atomic.Uint64
	slowlinks   atomic.Int64

	mu                     sync.Mutex
	substream, temporal    int // -1 when never requested
	audioCodec, videoCodec string
	media                  *echoMedia // media of the current PeerConnection
}

func newSession(p *Plugin, h core.Handle) *session {
	s := &session{p: p, h: h, substream: -1, temporal: -1}
	s.resetMedia()
	s.ks = p.Attach(h, s, pluginkit.DefaultQueueSize)
	return s
}

// resetMedia restores the defaults Janus uses for a new PeerConnection.
func (s *session) resetMedia() {
	s.audioActive.Store(true)
	s.videoActive.Store(true)
	s.bitrate.Store(0)
}

// HandleMessage acks at once; the worker answers with an event later
// (janus-reference.md 5: every message is asynchronous).
func (s *session) HandleMessage(_ context.Context, m core.Message) core.Result {
	switch err := s.ks.Enqueue(m); {
	case err == nil:
		return core.Ack(ackHint)
	case errors.Is(err, pluginkit.ErrDestroyed):
		return core.ErrorResult("No session associated with this handle...")
	default:
		return core.ErrorResult(err.Error())
	}
}

// Process validates and applies one request, answers a JSEP offer, and
// pushes the result event to the client; it runs on the session's worker.
func (s *session) Process(ctx context.Context, m core.Message) {
	req, rerr := parseRequest(m.Body, m.JSEP != nil)
	if rerr == nil && req.Record != nil && *req.Record {
		// Argus does not write .mjr recordings; say so instead of
		// pretending (documented in README.md).
		rerr = &requestError{errInvalidElement, "Recording is not supported by Argus"}
	}
	if rerr != nil {
		s.pushError(m.Transaction, rerr)
		return
	}
	s.apply(req)
	var jsep *core.JSEP
	if m.JSEP != nil && m.JSEP.Type == "offer" {
		sdp, err := s.answer(ctx)
		if err != nil {
			s.ks.Logger().Warn("echotest: answering the offer failed", "error", err)
			s.pushError(m.Transaction, &requestError{errInvalidSDP, "Error parsing offer: " + err.Error()})
			return
		}
		jsep = &core.JSEP{Type: "answer", SDP: sdp}
	}
	// The event describes the state this request left: taken before the
	// push, after which the client may hang up and reset it.
	ev := s.eventData()
	s.ks.Push(m.Transaction, map[string]any{"echotest": "event", "result": "ok"}, jsep)
	s.p.Emit(s.h, ev)
}

// apply updates the session from a validated request.
func (s *session) apply(r *request) {
	if r.Audio != nil {
		s.audioActive.Store(*r.Audio)
	}
	if r.Video != nil {
		was := s.videoActive.Swap(*r.Video)
		if *r.Video && !was {
			s.keyframe() // re-enabled video needs a keyframe
		}
	}
	if r.Keyframe != nil && *r.Keyframe {
		s.keyframe()
	}
	if r.Bitrate != nil {
		s.bitrate.Store(*r.Bitrate)
		if m := s.currentMedia(); m != nil {
			m.sendREMB()
			if *r.Bitrate > 0 {
				m.startREMB()
			}
		}
	}
	s.mu.Lock()
	if r.Substream != nil && s.substream != *r.Substream {
		s.substream = *r.Substream
		defer s.keyframe() // the new layer switches at its next keyframe
	}
	if r.Temporal != nil {
		s.temporal = *r.Temporal
	}
	if r.AudioCodec != nil {
		s.audioCodec = *r.AudioCodec
	}
	if r.VideoCodec != nil {
		s.videoCodec = *r.VideoCodec
	}
	s.mu.Unlock()
}

// layers is the simulcast substream and temporal layer to echo; Janus
// starts with the highest of both.
func (s *session) layers() (substream, temporal int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	substream, temporal = maxLayer, maxLayer
	if s.substream >= 0 {
		substream = s.substream
	}
	if s.temporal >= 0 {
		temporal = s.temporal
	}
	return substream, temporal
}

// pushLayer tells the client a simulcast layer was reached:
// {"echotest":"event","videocodec":codec,<what>:layer}.
func (s *session) pushLayer(codec, what string, layer int) {
	s.ks.Push("", map[string]any{"echotest": "event", "videocodec": codec, what: layer}, nil)
}

// keyframe asks the client for a keyframe on every video stream.
func (s *session) keyframe() {
	if m := s.currentMedia(); m != nil {
		m.requestKeyframe("")
	}
}

func (s *session) currentMedia() *echoMedia {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.media
}

// pushError sends {"echotest":"event","error_code","error"}.
func (s *session) pushError(transaction string, e *requestError) {
	s.ks.Push(transaction, map[string]any{"echotest": "event", "error_code": e.code, "error": e.text}, nil)
}

// eventData is the type 64 event body after a successful request.
func (s *session) eventData() telemetry.EchoTestData {
	d := telemetry.EchoTestData{
		AudioActive: s.audioActive.Load(),
		VideoActive: s.videoActive.Load(),
		Bitrate:     s.bitrate.Load(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.substream >= 0 || s.temporal >= 0 {
		d.Simulcast = &telemetry.EchoTestSimulcast{Substream: s.substream, TemporalLayer: s.temporal}
	}
	return d
}

// SetupMedia is called at webrtcup: ask for a keyframe so video starts fast.
func (s *session) SetupMedia() {
	s.ks.EndHangup()
	s.keyframe()
}

// Hangup stops echoing, resets the media settings for the next
// PeerConnection and tells the client ("result":"done"). It never blocks.
func (s *session) Hangup() {
	if s.ks.Destroyed() || !s.ks.BeginHangup() {
		return
	}
	s.dropMedia()
	// Reset before telling the client: a client that sends its next
	// request (a new offer with a bitrate) the moment it reads "done"
	// would otherwise have its settings overwritten by this reset.
	s.resetMedia()
	s.ks.Push("", map[string]any{"echotest": "event", "result": "done"}, nil)
	s.ks.EndHangup()
}

// Destroy ends the worker, the media and every goroutine of the session;
// the handle is gone afterwards.
func (s *session) Destroy() { s.ks.Destroy() }

// Teardown stops the media once the worker ended (pluginkit.Handler).
func (s *session) Teardown() { s.dropMedia() }

// dropMedia stops and forgets the media of the current PeerConnection.
func (s *session) dropMedia() {
	s.mu.Lock()
	m := s.media
	s.media = nil
	s.mu.Unlock()
	if m != nil {
		m.Stop()
	}
}

// Query describes the session in Admin handle_info.plugin_specific.
func (s *session) Query() any {
	s.mu.Lock()
	q := map[string]any{
		"audio_active":   s.audioActive.Load(),
		"video_active":   s.videoActive.Load(),
		"bitrate":        s.bitrate.Load(),
		"slowlink_count": s.slowlinks.Load(),
	}
	if s.audioCodec != "" {
		q["audio_codec"] = s.audioCodec
	}
	if s.videoCodec != "" {
		q["video_codec"] = s.videoCodec
	}
	if s.substream >= 0 || s.temporal >= 0 {
		q["substream"] = s.substream
		q["temporal-layer"] = s.temporal
	}
	m := s.media
	s.mu.Unlock()
	var peerBitrate uint64
	if m != nil {
		peerBitrate = m.peer.PeerBitrate()
		for k, v := range m.codecs() {
			q[k] = v
		}
	}
	q["peer-bitrate"] = peerBitrate
	return s.ks.State(q)
}

var (
	_ core.PluginSession  = (*session)(nil)
	_ core.SessionQuerier = (*session)(nil)
)
