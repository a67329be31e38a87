// Package natsevh is an Argus event handler (no Janus equivalent) that
// publishes every event into a NATS JetStream stream, so the events of a
// fleet of gateways land on one durable, replayable log.
//
// Each event is one message on subject <subject_prefix>.<emitter>.<type>
// (type is Janus's label: sessions, handles, jsep, webrtc, media, plugins,
// transports, core, external), its body the Janus event JSON plus "seq",
// a sequence number per emitter starting at 1 so a consumer detects gaps
// (events dropped while the broker was unreachable still take a number).
// The header Nats-Msg-Id is <emitter>.<instance>.<seq>, so JetStream drops
// duplicates within its window; Argus-Instance names the sink instance
// (random per start: seq restarts at 1 with a new instance).
package natsevh

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// Names of the sink.
const (
	SinkName    = "nats"
	HandlerName = "argus.eventhandler.natsevh"
)

// Defaults.
const (
	DefaultStream        = "ARGUS_EVENTS"
	DefaultSubjectPrefix = "argus.events"
	// maxEmitters bounds the per-emitter sequence map; events of further
	// emitters share the sequence of emitter "" (one gateway has one
	// emitter, its server name).
	maxEmitters = 256
)

// Header names.
const (
	HeaderInstance = "Argus-Instance"
)

// Config configures the sink.
type Config struct {
	URL                   string // nats://host:4222, tls://host:4222, or a comma-separated list
	Stream                string // JetStream stream; created (subjects <prefix>.>) when CreateStream
	SubjectPrefix         string
	CreateStream          bool
	User, Password, Token string
	TLS                   *evhkit.TLS // nil: plain unless the URL says tls://
	Common                evhkit.Common
}

// conn is one NATS connection with its JetStream context.
type conn struct {
	nc *nats.Conn
	js jetstream.JetStream
}

func (c *conn) Close() error { c.nc.Close(); return nil }

// Sink publishes events to JetStream.
type Sink struct {
	*evhkit.Core[*conn]
	cfg      Config
	instance string

	mu  sync.Mutex
	seq map[string]uint64
}

// New returns a sink; it connects on the first export.
func New(cfg Config, sc telemetry.SinkConfig) (*Sink, error) {
	if cfg.URL == "" {
		return nil, fmt.Errorf("url: %w", evhkit.ErrBadSetting)
	}
	if !validToken(cfg.Stream) || cfg.SubjectPrefix == "" || strings.ContainsAny(cfg.SubjectPrefix, " *>") {
		return nil, fmt.Errorf("stream %q / subject_prefix %q: %w", cfg.Stream, cfg.SubjectPrefix, evhkit.ErrBadSetting)
	}
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	s := &Sink{cfg: cfg, instance: hex.EncodeToString(nonce[:]), seq: map[string]uint64{}}
	s.Core = evhkit.NewHandlerCore(HandlerName, cfg.Common, false, s.dial, s.publish, sc.Logger)
	return s, nil
}

// Instance is the random id of this sink instance (header Argus-Instance).
func (s *Sink) Instance() string { return s.instance }

func (s *Sink) dial(ctx context.Context) (*conn, error) {
	opts := []nats.Option{nats.Name("argus natsevh"), nats.NoReconnect(), nats.Timeout(s.cfg.Common.DialTimeout)}
	if s.cfg.User != "" {
		opts = append(opts, nats.UserInfo(s.cfg.User, s.cfg.Password))
	}
	if s.cfg.Token != "" {
		opts = append(opts, nats.Token(s.cfg.Token))
	}
	if s.cfg.TLS != nil {
		tc, err := s.cfg.TLS.Config()
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(tc))
	}
	nc, err := nats.Connect(s.cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if s.cfg.CreateStream {
		_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: s.cfg.Stream, Subjects: []string{s.cfg.SubjectPrefix + ".>"},
			Duplicates: 2 * time.Minute,
		})
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("stream %s: %w", s.cfg.Stream, err)
		}
	}
	return &conn{nc: nc, js: js}, nil
}

// publish sends each event as its own message and waits for every ack.
func (s *Sink) publish(ctx context.Context, c *conn, evs []*telemetry.Event, _ bool) error {
	futures := make([]jetstream.PubAckFuture, 0, len(evs))
	for _, e := range evs {
		seq := s.next(e.Emitter)
		body, err := encode(e, seq, s.cfg.Common.Format)
		if err != nil {
			return err
		}
		m := nats.NewMsg(Subject(s.cfg.SubjectPrefix, e))
		m.Data = body
		m.Header.Set(jetstream.MsgIDHeader, sanitize(e.Emitter)+"."+s.instance+"."+strconv.FormatUint(seq, 10))
		m.Header.Set(HeaderInstance, s.instance)
		f, err := c.js.PublishMsgAsync(m)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("publish ack: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("publish ack: %w", ctx.Err())
		}
	}
	return nil
}

// next returns the next sequence number of emitter.
func (s *Sink) next(emitter string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seq[emitter]; !ok && len(s.seq) >= maxEmitters {
		emitter = ""
	}
	s.seq[emitter]++
	return s.seq[emitter]
}

// encode renders the Janus event with "seq" added after its fields.
func encode(e *telemetry.Event, seq uint64, f evhkit.Format) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("marshal event: %w", err)
	}
	b = append(b[:len(b)-1], `,"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, '}')
	return evhkit.Layout(b, f)
}

// Subject is the subject an event is published on.
func Subject(prefix string, e *telemetry.Event) string {
	return prefix + "." + sanitize(e.Emitter) + "." + typeLabel(e.Type)
}

// typeLabel is Janus's label of an event type (its events mask word).
func typeLabel(t telemetry.Type) string {
	l := telemetry.Mask(t).String()
	if strings.ContainsAny(l, ",") || strings.HasPrefix(l, "0x") {
		return "type" + strconv.Itoa(int(t))
	}
	return l
}

// sanitize makes s one subject token: no '.', space, '*' or '>'.
func sanitize(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', ' ', '*', '>', '\t', '\r', '\n':
			return '_'
		}
		return r
	}, s)
}

// validToken reports whether s is a usable stream name.
func validToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, " .*>/\\\t")
}

var (
	_ telemetry.Sink    = (*Sink)(nil)
	_ telemetry.Querier = (*Sink)(nil)
)
