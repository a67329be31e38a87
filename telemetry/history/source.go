package history

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argusrtc/argus/telemetry"
)

// Settings of the fleet view: the store fed from a NATS JetStream stream
// (the one -event-nats publishes into) instead of the local bus, so one
// console lists the sessions of every node, each marked with its emitter.
const (
	sourceKey        = "source"         // nats://host:4222; empty: the local bus
	sourceStreamKey  = "source_stream"  // default ARGUS_EVENTS (natsevh's default)
	sourceDeliverKey = "source_deliver" // all (default: replay what the stream holds) or new

	defaultSourceStream = "ARGUS_EVENTS"
	// sourceRetry is the wait between attempts to reach the stream.
	sourceRetry = time.Second
)

// sourcedStore is a Store fed from a JetStream stream: it ignores the
// local bus's events and runs one consumer goroutine, stopped by Shutdown.
type sourcedStore struct {
	*Store
	cancel context.CancelFunc
	done   chan struct{}
}

// source names the stream a store is fed from: the source* settings.
type source struct {
	url, stream, deliver string
}

// withSource returns st, or st fed from the stream src names.
func withSource(st *Store, src source) (telemetry.Sink, error) {
	if src.url == "" {
		return st, nil
	}
	if u, err := url.Parse(src.url); err != nil || u.Host == "" {
		return nil, fmt.Errorf("%s=%q: want nats://host:port: %w", sourceKey, src.url, ErrUnknownSetting)
	}
	stream := src.stream
	if stream == "" {
		stream = defaultSourceStream
	}
	deliver := jetstream.DeliverAllPolicy
	switch src.deliver {
	case "", "all":
	case "new":
		deliver = jetstream.DeliverNewPolicy
	default:
		return nil, fmt.Errorf("%s=%q: want all or new: %w", sourceDeliverKey, src.deliver, ErrUnknownSetting)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &sourcedStore{Store: st, cancel: cancel, done: make(chan struct{})}
	go s.consume(ctx, src.url, stream, deliver)
	return s, nil
}

// Export ignores the local bus: the stream carries this node's events too
// (when it publishes with -event-nats).
func (s *sourcedStore) Export(context.Context, []*telemetry.Event) error { return nil }

// Shutdown stops the consumer, then the store.
func (s *sourcedStore) Shutdown(ctx context.Context) error {
	s.cancel()
	select {
	case <-s.done:
	case <-ctx.Done():
		return fmt.Errorf("history source: %w", ctx.Err())
	}
	return s.Store.Shutdown(ctx)
}

// consume connects and reads the stream until ctx ends, retrying every
// sourceRetry while the server or the stream is not there.
func (s *sourcedStore) consume(ctx context.Context, src, stream string, deliver jetstream.DeliverPolicy) {
	defer close(s.done)
	log := s.cfg.Logger.With("source", src, "stream", stream)
	for {
		err := s.consumeOnce(ctx, src, stream, deliver)
		if ctx.Err() != nil {
			return
		}
		log.Warn("history source unavailable, retrying", "error", err)
		t := time.NewTimer(sourceRetry)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// consumeOnce reads the stream with an ordered consumer until ctx ends or
// the connection closes for good.
func (s *sourcedStore) consumeOnce(ctx context.Context, src, stream string, deliver jetstream.DeliverPolicy) error {
	closed := make(chan struct{})
	var once sync.Once
	nc, err := nats.Connect(src, nats.Name("argus history source"), nats.MaxReconnects(-1),
		nats.ClosedHandler(func(*nats.Conn) { once.Do(func() { close(closed) }) }))
	if err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{DeliverPolicy: deliver})
	if err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var e telemetry.Event // natsevh's extra "seq" is ignored
		if json.Unmarshal(m.Data(), &e) != nil || e.Type == 0 {
			return
		}
		_ = s.Store.Export(ctx, []*telemetry.Event{&e})
	})
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return nil
	case <-closed:
		return fmt.Errorf("nats: %w", nats.ErrConnectionClosed)
	}
}
