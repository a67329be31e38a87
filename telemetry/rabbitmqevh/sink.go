// Package rabbitmqevh publishes events to RabbitMQ as Janus's
// janus.eventhandler.rabbitmqevh does: each message (an array of up to 100
// events when grouping, else one event object) goes to the configured
// exchange (default: the default exchange) with routing key route_key and
// content type application/json; the exchange (when named) is declared
// with exchange_type, non-durable, and unless declare_outgoing_queue is
// false a queue named route_key is declared, non-durable, as Janus does.
// Unlike Janus, Argus waits for publisher confirms, so a message the
// broker did not take is counted as dropped.
package rabbitmqevh

import (
	"context"
	"fmt"
	"net/url"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// Names of the sink.
const (
	SinkName    = "rabbitmq"
	HandlerName = "janus.eventhandler.rabbitmqevh"
)

// Janus's defaults.
const (
	DefaultRouteKey     = "janus-events"
	DefaultExchangeType = "fanout"
)

// Config configures the sink.
type Config struct {
	URL          string // amqp://user:pass@host:5672/vhost or amqps://
	Vhost        string // overrides the URL's
	User, Pass   string // override the URL's
	Exchange     string // "" is the default exchange
	ExchangeType string
	RouteKey     string
	DeclareQueue bool
	Heartbeat    int // seconds; 0: the library default
	TLS          *evhkit.TLS
	Common       evhkit.Common
}

type conn struct {
	c  *amqp.Connection
	ch *amqp.Channel
}

func (c *conn) Close() error { return c.c.Close() }

// Sink is the RabbitMQ event sink.
type Sink struct {
	*evhkit.Core[*conn]
	cfg Config
}

// New validates cfg and returns a sink; it connects on the first export.
func New(cfg Config, sc telemetry.SinkConfig) (*Sink, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want amqp:// or amqps://: %w", cfg.URL, evhkit.ErrBadSetting)
	}
	if cfg.RouteKey == "" {
		return nil, fmt.Errorf("route_key: %w", evhkit.ErrBadSetting)
	}
	switch cfg.ExchangeType {
	case "fanout", "direct", "topic", "headers":
	default:
		return nil, fmt.Errorf("exchange_type %q: %w", cfg.ExchangeType, evhkit.ErrBadSetting)
	}
	s := &Sink{cfg: cfg}
	s.Core = evhkit.NewHandlerCore(HandlerName, cfg.Common, true, s.dial, s.publish, sc.Logger)
	return s, nil
}

func (s *Sink) dial(context.Context) (*conn, error) {
	u, _ := url.Parse(s.cfg.URL)
	if s.cfg.User != "" {
		u.User = url.UserPassword(s.cfg.User, s.cfg.Pass)
	}
	acfg := amqp.Config{Dial: amqp.DefaultDial(s.cfg.Common.DialTimeout), Vhost: s.cfg.Vhost}
	if acfg.Vhost == "" {
		acfg.Vhost = "/"
		if p := u.Path; len(p) > 1 {
			acfg.Vhost, _ = url.PathUnescape(p[1:])
		}
	}
	if s.cfg.Heartbeat > 0 {
		acfg.Heartbeat = secs(s.cfg.Heartbeat)
	}
	if s.cfg.TLS != nil || u.Scheme == "amqps" {
		t := evhkit.TLS{}
		if s.cfg.TLS != nil {
			t = *s.cfg.TLS
		}
		tc, err := t.Config()
		if err != nil {
			return nil, err
		}
		acfg.TLSClientConfig = tc
		u.Scheme = "amqps"
	}
	// amqp.DialConfig takes no context: DefaultDial bounds the TCP connect
	// and the AMQP handshake by the dial timeout instead.
	return s.open(u.String(), acfg)
}

// open connects, opens a channel in confirm mode and declares what Janus
// declares.
func (s *Sink) open(u string, acfg amqp.Config) (*conn, error) {
	c, err := amqp.DialConfig(u, acfg)
	if err != nil {
		return nil, fmt.Errorf("amqp: %w", err)
	}
	fail := func(what string, err error) (*conn, error) {
		_ = c.Close()
		return nil, fmt.Errorf("amqp %s: %w", what, err)
	}
	ch, err := c.Channel()
	if err != nil {
		return fail("channel", err)
	}
	if err := ch.Confirm(false); err != nil {
		return fail("confirm mode", err)
	}
	if s.cfg.Exchange != "" {
		if err := ch.ExchangeDeclare(s.cfg.Exchange, s.cfg.ExchangeType, false, false, false, false, nil); err != nil {
			return fail("exchange "+s.cfg.Exchange, err)
		}
	}
	if s.cfg.DeclareQueue {
		if _, err := ch.QueueDeclare(s.cfg.RouteKey, false, false, false, false, nil); err != nil {
			return fail("queue "+s.cfg.RouteKey, err)
		}
	}
	return &conn{c: c, ch: ch}, nil
}

// SharesJSON tells the bus that every event this sink takes is exported
// as its JSON (telemetry.JSONSink), so the bus has it encoded once for all
// such sinks.
func (s *Sink) SharesJSON() bool { return true }

// publish sends one message and waits for the broker's confirm.
func (s *Sink) publish(ctx context.Context, c *conn, evs []*telemetry.Event, grouped bool) error {
	body, err := evhkit.MarshalEvents(evs, grouped, s.cfg.Common.Format)
	if err != nil {
		return err
	}
	dc, err := c.ch.PublishWithDeferredConfirmWithContext(ctx, s.cfg.Exchange, s.cfg.RouteKey, false, false,
		amqp.Publishing{ContentType: "application/json", Body: body})
	if err != nil {
		return fmt.Errorf("amqp publish: %w", err)
	}
	ok, err := dc.WaitContext(ctx)
	if err != nil {
		return fmt.Errorf("amqp confirm: %w", err)
	}
	if !ok {
		return fmt.Errorf("amqp publish: %w", errNack)
	}
	return nil
}

var (
	_ telemetry.Sink    = (*Sink)(nil)
	_ telemetry.Querier = (*Sink)(nil)
)
