package verdict

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// SinkName is the name this sink registers under in telemetry's registry.
const SinkName = "verdict"

// The flag, options, factory and queue of the sink, for cmd/argus and
// -help; the options are documented with the default thresholds and limits.
func init() {
	docTh, docLim := DefaultThresholds(), DefaultLimits()
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag: telemetry.SinkFlag{Name: "verdict", Kind: telemetry.FlagBool, On: true,
			Usage: "judge every PeerConnection and session (ok, ice-failed, dtls-failed, no-media, dropped, one-way, poor-quality) and emit the verdict as an event (schema argus.verdict)"},
		Options: options(&docTh, &docLim).Docs(),
		// Its verdicts of the sessions that end at shutdown still reach
		// every other sink.
		Queue: []telemetry.QueueOption{telemetry.WithDerivedEvents()},
	})
}

// Sink runs a Tracker on the bus and emits every verdict back onto it as a
// type 4 event (doc.go). Export is called by one bus goroutine.
type Sink struct {
	emitter string
	out     telemetry.Emitter
	log     *slog.Logger

	mu      telemetry.Serial
	tracker *Tracker
}

// New returns a sink that emits its verdicts into out under the emitter
// name (Janus server_name).
func New(out telemetry.Emitter, emitter string, th Thresholds, lim Limits, log *slog.Logger) (*Sink, error) {
	if out == nil {
		return nil, ErrNoEmitter
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sink{emitter: emitter, out: out, log: log, tracker: NewTracker(th, lim)}, nil
}

// FromSettings builds the sink from the settings declared in options (the
// poor-quality thresholds and max_sessions; "events" and "enabled" are
// read by cmd/argus). Malformed values and unknown keys are errors
// wrapping ErrUnknownSetting.
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := settings{th: DefaultThresholds(), lim: DefaultLimits()}
	return telemetry.BuildSink(cfg, sc.Settings,
		func(c *settings) *telemetry.SinkOptions { return options(&c.th, &c.lim) },
		func(c settings) (*Sink, error) { return New(sc.Emitter, sc.ServerName, c.th, c.lim, sc.Logger) })
}

// settings is what the sink's options are read into.
type settings struct {
	th  Thresholds
	lim Limits
}

// options are the sink's settings, read into th and lim. The thresholds
// are finite and >= 0 and max_sessions >= 1: a negative loss would judge
// every session poor, NaN none, and max_sessions <= 0 would judge nothing.
func options(th *Thresholds, lim *Limits) *telemetry.SinkOptions {
	o := telemetry.NewSinkOptions(ErrUnknownSetting)
	o.Func("events", "all", "Janus event mask (it needs sessions, handles, jsep, webrtc and media)",
		func(string) error { return nil }) // cmd/argus reads it
	o.Float("loss_pct", &th.LossPct, 0, "poor-quality at this loss, percent, in either direction")
	o.Float("jitter_ms", &th.JitterMs, 0, "poor-quality at this mean jitter")
	o.Func("rtt_ms", strconv.FormatInt(th.RTTMs, 10), "poor-quality at this median RTT", func(v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch {
		case err != nil:
			return err
		case n < 0:
			return errors.New("want >= 0")
		}
		th.RTTMs = n
		return nil
	})
	o.Int("max_sessions", &lim.Sessions, 1, math.MaxInt, "sessions judged at once")
	return o
}

// Export feeds the batch to the tracker and emits the verdicts it completes.
func (s *Sink) Export(_ context.Context, batch []*telemetry.Event) error {
	s.mu.Each(batch, func(e *telemetry.Event) {
		for _, v := range s.tracker.Observe(e) {
			s.out.Emit(Event(v, s.emitter))
			s.log.Info("verdict", "scope", v.Scope, "outcome", string(v.Outcome),
				"session_id", v.SessionID, "handle_id", v.HandleID)
		}
	})
	return nil
}

// Shutdown stops the sink; sessions still open are not judged (the core
// ends every session, and so emits their last events, before the bus shuts
// down).
func (s *Sink) Shutdown(_ context.Context) error {
	s.mu.Close(nil)
	return nil
}

// Event wraps v in the type 4 event that carries it. Its timestamp is the
// emission time, after every event the verdict was drawn from.
func Event(v Verdict, emitter string) *telemetry.Event {
	return &telemetry.Event{
		Emitter:   emitter,
		Type:      telemetry.TypeExternal,
		Timestamp: max(telemetry.Now(), v.Timestamp+1),
		SessionID: v.SessionID,
		HandleID:  v.HandleID,
		OpaqueID:  v.OpaqueID,
		Body:      Body{Schema: Schema, Data: v},
	}
}

// Body is the "event" object of a verdict event: a type 4 body of schema
// argus.verdict (telemetry.RegisterExternal in init decodes it from the
// wire).
type Body struct {
	Schema string  `json:"schema"`
	Data   Verdict `json:"data"`
}

// EventType is telemetry.TypeExternal: Body is a telemetry.Body.
func (Body) EventType() telemetry.Type { return telemetry.TypeExternal }

func init() {
	telemetry.RegisterExternal(Schema, func(data json.RawMessage) (any, error) {
		var v Verdict
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("verdict: %w", err)
		}
		return Body{Schema: Schema, Data: v}, nil
	})
}

var _ telemetry.Sink = (*Sink)(nil)
