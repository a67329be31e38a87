package rabbitmq

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/transports/internal/broker"
	"github.com/argusrtc/argus/transports/internal/msgclient"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// errNotConnected drops a message published while the broker is away.
var errNotConnected = errors.New("rabbitmq transport: not connected")

// dialTimeout bounds one connection attempt.
const dialTimeout = 5 * time.Second

// prefetch bounds the requests the broker delivers before they are
// handled (and acknowledged): the in-flight bound of the client plus room.
const prefetch = 64

// Transport is the RabbitMQ transport. Create it with Start.
type Transport struct {
	cfg    Config
	broker string
	ctx    context.Context //nolint:containedctx // the transport's lifetime, cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	*broker.Clients // Janus and Admin API clients, connection state

	tls *tls.Config // amqps:// with ssl_* settings; nil: amqp091's defaults

	mu sync.Mutex
	ch *amqp.Channel // nil while disconnected

	warned sync.Map // queue name → true: its fallback was logged
}

// Start starts the transport; it connects in the background and keeps
// reconnecting until Close, so a dead broker never delays startup.
func Start(ctx context.Context, cfg Config) (*Transport, error) {
	cfg = cfg.withDefaults()
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadOption, err)
	}
	t := &Transport{cfg: cfg, broker: u.Host}
	if cfg.TLS != nil {
		if t.tls, err = cfg.TLS.Config(); err != nil {
			return nil, err
		}
	}
	tctx, cancel := context.WithCancel(ctx)
	t.ctx, t.cancel = tctx, cancel
	host, port := wire.SplitAddr(u.Host)
	if port == 0 {
		port = 5672
		if u.Scheme == "amqps" {
			port = 5671
		}
	}
	t.Clients = broker.New(tctx, broker.Config{
		Package: Package, Deps: cfg.Deps, Host: host, Port: port, Queue: cfg.Queue, Admin: cfg.AdminEnabled, Layout: cfg.JSON,
		ConnectedOnce: true, // Janus emits "connected" once, at setup, and nothing on a loss
		Send: func(ctx context.Context, admin bool, o msgclient.Out) error {
			if admin {
				return t.publish(ctx, cfg.Admin.FromJanus, o)
			}
			return t.publish(ctx, cfg.Janus.FromJanus, o)
		},
	})
	t.wg.Go(t.run)
	return t, nil
}

// Close disconnects, ends the clients (TransportGone for each) and waits.
func (t *Transport) Close() {
	t.cancel()
	t.wg.Wait()
	t.Clients.Close()
}

// run connects, serves and reconnects with exponential backoff.
func (t *Transport) run() {
	backoff := t.cfg.MinBackoff
	for t.ctx.Err() == nil {
		up, err := t.serve()
		if t.ctx.Err() != nil {
			return
		}
		if up {
			backoff = t.cfg.MinBackoff
		}
		what := "rabbitmq transport: broker connection lost, retrying"
		if !up {
			what = "rabbitmq transport: cannot connect to the broker, retrying"
		}
		t.cfg.Logger.Warn(what, slog.String("broker", t.broker), slog.Duration("backoff", backoff), slog.Any("error", err))
		select {
		case <-t.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, t.cfg.MaxBackoff)
	}
}

// serve runs one broker connection until it is lost or the transport
// closes; up reports whether it got as far as consuming.
func (t *Transport) serve() (up bool, err error) {
	acfg := amqp.Config{Dial: amqp.DefaultDial(dialTimeout)}
	if t.tls != nil {
		acfg.TLSClientConfig = t.tls.Clone() // amqp091 sets its ServerName
	}
	conn, err := amqp.DialConfig(t.cfg.URL, acfg)
	if err != nil {
		return false, fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	ch, err := t.declare(conn)
	if err != nil {
		return false, err
	}
	janusIn, err := t.consume(ch, t.cfg.Janus)
	if err != nil {
		return false, err
	}
	var adminIn <-chan amqp.Delivery
	if t.Admin != nil {
		if adminIn, err = t.consume(ch, t.cfg.Admin); err != nil {
			return false, err
		}
	}
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	t.setChannel(ch)
	t.Up()
	defer func() {
		t.setChannel(nil)
		t.Down()
	}()
	for {
		select {
		case <-t.ctx.Done():
			return true, nil
		case e := <-closed:
			return true, fmt.Errorf("closed: %w", e)
		case d, ok := <-janusIn:
			if !ok {
				return true, errors.New("janus consumer cancelled")
			}
			t.Janus.Handle(d.Body, d.CorrelationId)
			_ = d.Ack(false) // a lost ack only redelivers after a reconnection
		case d, ok := <-adminIn:
			if !ok {
				return true, errors.New("admin consumer cancelled")
			}
			t.Admin.Handle(d.Body, d.CorrelationId)
			_ = d.Ack(false)
		}
	}
}

// declare declares the exchange and both APIs' queues and returns the
// channel to consume and publish on. A refused declare closes its
// channel, so a queue that falls back to a passive declare (see queue)
// goes on with a fresh one.
func (t *Transport) declare(conn *amqp.Connection) (*amqp.Channel, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("channel: %w", err)
	}
	if t.cfg.Exchange != "" {
		if err := ch.ExchangeDeclare(t.cfg.Exchange, t.cfg.ExchangeType, false, false, false, false, nil); err != nil {
			return nil, fmt.Errorf("exchange %s: %w", t.cfg.Exchange, err)
		}
	}
	type keyed struct {
		api    API
		suffix string // of the API's setting keys
	}
	apis := []keyed{{t.cfg.Janus, ""}}
	if t.Admin != nil {
		apis = append(apis, keyed{t.cfg.Admin, "_admin"})
	}
	for _, a := range apis {
		api := a.api
		in := api.incoming()
		// The Janus API's incoming queue is declared as configured; the
		// Admin API's may have been declared by an older Argus with the
		// Janus API's queue_* keys, so it falls back to what exists.
		fallback := ""
		if a.suffix != "" {
			fallback = "queue_durable" + a.suffix + ", queue_autodelete" + a.suffix
		}
		if ch, err = t.queue(conn, ch, in, api.QueueDurable, api.QueueAutoDelete, api.QueueExclusive, fallback); err != nil {
			return nil, err
		}
		// Janus binds queue_name only to a topic or direct exchange: a
		// fanout exchange would bring every answer (routing key from_janus)
		// back into the request queue, answered again without end.
		if api.QueueName != "" && t.cfg.Exchange != "" && bindsRoutingKey(t.cfg.ExchangeType) {
			if err := ch.QueueBind(in, api.ToJanus, t.cfg.Exchange, false, nil); err != nil {
				return nil, fmt.Errorf("bind %s: %w", in, err)
			}
		}
		// The outgoing queue is declared plain (not durable, not
		// auto-delete, not exclusive) and never bound: with an exchange,
		// the client binds a queue of its own (Janus 1.1.2 does the same,
		// see test/janusref; a bound queue nobody reads would fill up).
		// One declared durable by an older Argus is used as it is.
		if api.DeclareOutgoingQueue {
			if ch, err = t.queue(conn, ch, api.FromJanus, false, false, false, "declare_outgoing_queue"+a.suffix); err != nil {
				return nil, err
			}
		}
	}
	// Manual acks with a prefetch window bound what the broker pushes
	// ahead of the core (auto-ack would let it push without limit).
	if err := ch.Qos(prefetch, 0, false); err != nil {
		return nil, fmt.Errorf("qos: %w", err)
	}
	return ch, nil
}

// bindsRoutingKey reports whether Janus binds queue_name to an exchange
// of type typ with routing key to_janus: topic and direct only.
func bindsRoutingKey(typ string) bool { return typ == "topic" || typ == "direct" }

// queue declares queue name with the given flags on ch. When the broker
// refuses it because the queue exists with other flags (406
// PRECONDITION_FAILED) and setting is not empty, the existing queue is
// used as it is: a passive declare on a fresh channel (the refusal closed
// ch), and one warning per queue naming setting. queue returns the channel
// to go on with.
func (t *Transport) queue(conn *amqp.Connection, ch *amqp.Channel, name string, durable, autoDelete, exclusive bool, setting string) (*amqp.Channel, error) {
	_, err := ch.QueueDeclare(name, durable, autoDelete, exclusive, false, nil)
	if err == nil {
		return ch, nil
	}
	var ae *amqp.Error
	if setting == "" || !errors.As(err, &ae) || ae.Code != amqp.PreconditionFailed {
		return nil, fmt.Errorf("queue %s: %w", name, err)
	}
	fresh, cerr := conn.Channel()
	if cerr != nil {
		return nil, fmt.Errorf("queue %s: %w (then channel: %w)", name, err, cerr)
	}
	if _, perr := fresh.QueueDeclarePassive(name, durable, autoDelete, exclusive, false, nil); perr != nil {
		return nil, fmt.Errorf("queue %s: %w (then passive declare: %w)", name, err, perr)
	}
	if _, warned := t.warned.LoadOrStore(name, true); !warned {
		t.cfg.Logger.Warn("rabbitmq transport: queue exists with other flags, used as it is",
			slog.String("queue", name), slog.String("setting", setting), slog.String("broker", t.broker),
			slog.String("refusal", ae.Reason),
			slog.String("hint", "declared by an older Argus or another client; delete the queue to have it declared as configured"))
	}
	return fresh, nil
}

// consume starts consuming an API's requests.
func (t *Transport) consume(ch *amqp.Channel, api API) (<-chan amqp.Delivery, error) {
	in := api.incoming()
	d, err := ch.Consume(in, "", false, api.QueueExclusive, false, false, nil)
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", in, err)
	}
	return d, nil
}

func (t *Transport) setChannel(ch *amqp.Channel) {
	t.mu.Lock()
	t.ch = ch
	t.mu.Unlock()
}

// publish sends one message with routing key key; it fails at once while
// disconnected.
func (t *Transport) publish(ctx context.Context, key string, o msgclient.Out) error {
	t.mu.Lock()
	ch := t.ch
	t.mu.Unlock()
	if ch == nil {
		return errNotConnected
	}
	pctx, cancel := context.WithTimeout(ctx, t.cfg.PublishTimeout)
	defer cancel()
	err := ch.PublishWithContext(pctx, t.cfg.Exchange, key, false, false, amqp.Publishing{
		ContentType: "application/json", ReplyTo: "Janus", CorrelationId: o.Reply, Body: o.Msg,
	})
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}
