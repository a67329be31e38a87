package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argusrtc/argus/transports/internal/broker"
	"github.com/argusrtc/argus/transports/internal/msgclient"
	"github.com/argusrtc/argus/transports/internal/wire"
)

var (
	errNotConnected   = errors.New("mqtt transport: not connected")
	errPublishTimeout = errors.New("mqtt transport: publish timed out")
)

// disconnectQuiesce is how long Close lets paho finish in-flight work (ms).
const disconnectQuiesce = 250

// Transport is the MQTT transport. Create it with Start.
type Transport struct {
	cfg    Config
	ctx    context.Context //nolint:containedctx // the transport's lifetime, cancelled by Close
	cancel context.CancelFunc
	client paho.Client

	*broker.Clients // Janus and Admin API clients, connection state

	// statusMu orders the status messages: onConnect publishes the
	// connect message under it unless closed, and Close sets closed
	// under it before the disconnect message, so a connection that
	// completes while the transport closes never publishes "online"
	// after the disconnect message (a retained one would stay).
	statusMu sync.Mutex
	closed   bool
}

// Start starts the transport; paho connects in the background and keeps
// reconnecting until Close, so a dead broker never delays startup.
func Start(ctx context.Context, cfg Config) (*Transport, error) {
	cfg = cfg.withDefaults()
	u, err := url.Parse(cfg.Broker)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadOption, err)
	}
	t := &Transport{cfg: cfg}
	tctx, cancel := context.WithCancel(ctx)
	t.ctx, t.cancel = tctx, cancel
	host, port := wire.SplitAddr(u.Host)
	t.Clients = broker.New(tctx, broker.Config{
		Package: Package, Deps: cfg.Deps, Host: host, Port: port, Queue: cfg.Queue, Admin: cfg.AdminEnabled, Layout: cfg.JSON,
		LostEvent: "reconnecting", // as Janus, which emits "connected" at every connection
		Send: func(ctx context.Context, admin bool, o msgclient.Out) error {
			if admin {
				return t.publish(ctx, cfg.Admin, o)
			}
			return t.publish(ctx, cfg.Janus, o)
		},
	})
	opts := paho.NewClientOptions().AddBroker(cfg.Broker).SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).SetPassword(cfg.Password).
		SetCleanSession(cfg.CleanSession).SetKeepAlive(cfg.KeepAlive).
		SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).SetMaxReconnectInterval(cfg.MaxBackoff).
		// OrderMatters: requests handled in order on one goroutine (a
		// blocked handler holds back the broker, never spawns more).
		SetConnectTimeout(5 * time.Second).SetOrderMatters(true).
		SetOnConnectHandler(t.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			t.cfg.Logger.Warn("mqtt transport: broker connection lost, reconnecting", slog.Any("error", err))
			t.Down()
		})
	if st := cfg.Status; st.Enabled && st.Disconnect != nil {
		opts.SetWill(st.Topic, *st.Disconnect, st.QoS, st.Retain)
	}
	t.client = paho.NewClient(opts)
	t.client.Connect() // with ConnectRetry it retries in the background
	return t, nil
}

// onConnect (re)subscribes the request topics after every connection.
// paho runs it on a goroutine of its own, so Close may run meanwhile.
func (t *Transport) onConnect(c paho.Client) {
	subs := map[string]byte{t.cfg.Janus.Subscribe: t.cfg.Janus.SubscribeQoS}
	if t.Admin != nil {
		subs[t.cfg.Admin.Subscribe] = t.cfg.Admin.SubscribeQoS
	}
	tok := c.SubscribeMultiple(subs, t.onMessage)
	if !tok.WaitTimeout(t.cfg.PublishTimeout) || tok.Error() != nil {
		t.cfg.Logger.Warn("mqtt transport: subscribe failed", slog.Any("error", tok.Error()))
		return
	}
	if t.cfg.subscribed != nil {
		t.cfg.subscribed()
	}
	t.statusMu.Lock()
	defer t.statusMu.Unlock()
	if t.closed || t.ctx.Err() != nil {
		return
	}
	t.Up()
	if st := t.cfg.Status; st.Enabled && st.Connect != nil {
		t.status(c, *st.Connect)
	}
}

// status publishes a status message and waits for it (PublishTimeout).
func (t *Transport) status(c paho.Client, msg string) {
	st := t.cfg.Status
	tok := c.Publish(st.Topic, st.QoS, st.Retain, msg)
	if !tok.WaitTimeout(t.cfg.PublishTimeout) || tok.Error() != nil {
		t.cfg.Logger.Warn("mqtt transport: status message not published", slog.String("topic", st.Topic), slog.Any("error", tok.Error()))
	}
}

// onMessage hands a request to its API's client. An empty message is
// ignored, unanswered, as Janus 1.1.2's MQTT transport ignores one.
func (t *Transport) onMessage(_ paho.Client, m paho.Message) {
	if len(m.Payload()) == 0 {
		return
	}
	payload := append([]byte(nil), m.Payload()...)
	switch {
	case m.Topic() == t.cfg.Janus.Subscribe:
		t.Janus.Handle(payload, "")
	case t.Admin != nil && m.Topic() == t.cfg.Admin.Subscribe:
		t.Admin.Handle(payload, "")
	}
}

// Close disconnects, ends the clients (TransportGone for each) and waits.
func (t *Transport) Close() {
	t.statusMu.Lock()
	t.closed = true
	t.statusMu.Unlock()
	t.cancel()
	t.Clients.Close()
	// A clean disconnect drops the will: the message is sent as Janus does.
	if st := t.cfg.Status; st.Enabled && st.Disconnect != nil && t.client.IsConnectionOpen() {
		t.status(t.client, *st.Disconnect)
	}
	t.client.Disconnect(disconnectQuiesce)
}

func (t *Transport) publish(ctx context.Context, tp Topics, o msgclient.Out) error {
	if !t.client.IsConnectionOpen() {
		return errNotConnected
	}
	tok := t.client.Publish(tp.Publish, tp.PublishQoS, false, o.Msg)
	timer := time.NewTimer(t.cfg.PublishTimeout)
	defer timer.Stop()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		return nil
	case <-timer.C:
		return errPublishTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}
