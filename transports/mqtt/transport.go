package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argusrtc/argus/core"
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

	janus, admin *msgclient.Client // admin nil unless AdminEnabled

	connected atomic.Bool
	connects  atomic.Uint64
}

type connEvent struct {
	Event    string `json:"event"`
	AdminAPI bool   `json:"admin_api"`
	Broker   string `json:"broker"`
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
	t.ctx, t.cancel = context.WithCancel(ctx)
	host, port := wire.SplitAddr(u.Host)
	newClient := func(admin bool, tp Topics) *msgclient.Client {
		info := core.TransportInfo{Package: Package, ConnID: core.RandomID(), RemoteIP: host, RemotePort: port, Admin: admin}
		return msgclient.New(t.ctx, msgclient.Config{
			Gateway: cfg.Gateway, Admin: admin, Info: info, Queue: cfg.Queue,
			Logger: cfg.Logger.With(slog.Bool("admin", admin)),
			Send:   func(ctx context.Context, o msgclient.Out) error { return t.publish(ctx, tp, o) },
		})
	}
	t.janus = newClient(false, cfg.Janus)
	if cfg.AdminEnabled {
		t.admin = newClient(true, cfg.Admin)
	}
	opts := paho.NewClientOptions().AddBroker(cfg.Broker).SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).SetPassword(cfg.Password).
		SetCleanSession(cfg.CleanSession).SetKeepAlive(cfg.KeepAlive).
		SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).SetMaxReconnectInterval(cfg.MaxBackoff).
		SetConnectTimeout(5 * time.Second).SetOrderMatters(false).
		SetOnConnectHandler(t.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			t.connected.Store(false)
			t.cfg.Logger.Warn("mqtt transport: broker connection lost, reconnecting", slog.Any("error", err))
			t.emit("disconnected")
		})
	t.client = paho.NewClient(opts)
	t.client.Connect() // with ConnectRetry it retries in the background
	return t, nil
}

// onConnect (re)subscribes the request topics after every connection.
func (t *Transport) onConnect(c paho.Client) {
	subs := map[string]byte{t.cfg.Janus.Subscribe: t.cfg.Janus.SubscribeQoS}
	if t.admin != nil {
		subs[t.cfg.Admin.Subscribe] = t.cfg.Admin.SubscribeQoS
	}
	tok := c.SubscribeMultiple(subs, t.onMessage)
	if !tok.WaitTimeout(t.cfg.PublishTimeout) || tok.Error() != nil {
		t.cfg.Logger.Warn("mqtt transport: subscribe failed", slog.Any("error", tok.Error()))
		return
	}
	t.connects.Add(1)
	t.connected.Store(true)
	t.emit("connected")
}

func (t *Transport) onMessage(_ paho.Client, m paho.Message) {
	payload := append([]byte(nil), m.Payload()...)
	switch {
	case m.Topic() == t.cfg.Janus.Subscribe:
		t.janus.Handle(payload, "")
	case t.admin != nil && m.Topic() == t.cfg.Admin.Subscribe:
		t.admin.Handle(payload, "")
	}
}

// Connected reports whether the transport is subscribed at the broker.
func (t *Transport) Connected() bool { return t.connected.Load() }

// Connects counts successful connections (1 + reconnections).
func (t *Transport) Connects() uint64 { return t.connects.Load() }

// Dropped counts messages that could not be published.
func (t *Transport) Dropped() uint64 {
	n := t.janus.Dropped()
	if t.admin != nil {
		n += t.admin.Dropped()
	}
	return n
}

// Close disconnects, ends the clients (TransportGone for each) and waits.
func (t *Transport) Close() {
	t.cancel()
	t.janus.Close()
	if t.admin != nil {
		t.admin.Close()
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

func (t *Transport) emit(event string) {
	for _, c := range []*msgclient.Client{t.janus, t.admin} {
		if c != nil {
			i := c.Info()
			wire.EmitTransport(t.cfg.Emitter, t.cfg.ServerName, i,
				connEvent{Event: event, AdminAPI: i.Admin, Broker: net.JoinHostPort(i.RemoteIP, strconv.Itoa(i.RemotePort))})
		}
	}
}
