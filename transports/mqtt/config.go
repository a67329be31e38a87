package mqtt

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Package is the transport's Janus package name.
const Package = "janus.transport.mqtt"

// Defaults (Janus's sample configuration, and the backoff of a lost broker).
const (
	DefaultSubscribeTopic      = "to-janus"
	DefaultPublishTopic        = "from-janus"
	DefaultAdminSubscribeTopic = "to-janus-admin"
	DefaultAdminPublishTopic   = "from-janus-admin"
	DefaultQoS                 = 1
	DefaultKeepAlive           = 20 * time.Second
	DefaultPublishTimeout      = 5 * time.Second
	DefaultMaxBackoff          = 10 * time.Second
	DefaultStatusTopic         = "status"
)

// ErrBadOption reports an invalid option in the -mqtt URL.
var ErrBadOption = errors.New("mqtt transport: invalid option")

// Topics is one API's pair of topics.
type Topics struct {
	Subscribe    string
	SubscribeQoS byte
	Publish      string
	PublishQoS   byte
}

// Status is Janus's "status" section: messages published on Topic when
// the transport connects (Connect) and when it disconnects or, as the
// broker's will, loses the connection (Disconnect). As in Janus, a
// message that is not set (nil) is not sent, and one set empty is sent
// empty (with Retain, an empty message clears the topic's retained one).
type Status struct {
	Enabled    bool
	Topic      string
	QoS        byte
	Retain     bool
	Connect    *string
	Disconnect *string
}

// Config configures a Transport.
type Config struct {
	transports.Deps // gateway, emitter, server name, logger

	Broker       string // tcp://host:port (or ssl://, ws://)
	Username     string
	Password     string
	ClientID     string // "" = argus-<random>
	CleanSession bool
	KeepAlive    time.Duration
	Janus        Topics
	Admin        Topics
	AdminEnabled bool
	JSON         evhkit.Format // layout of what is published ("json"); indented, as Janus
	Status       Status        // status_* options

	Queue          int // outgoing queue per API (msgclient default)
	PublishTimeout time.Duration
	MaxBackoff     time.Duration

	subscribed func() // test hook: onConnect calls it once the topics are subscribed
}

// ParseURL turns a -mqtt URL into a Config.
func ParseURL(raw string) (Config, error) {
	cfg := Config{
		Janus:        Topics{Subscribe: DefaultSubscribeTopic, SubscribeQoS: DefaultQoS, Publish: DefaultPublishTopic, PublishQoS: DefaultQoS},
		Admin:        Topics{Subscribe: DefaultAdminSubscribeTopic, SubscribeQoS: DefaultQoS, Publish: DefaultAdminPublishTopic, PublishQoS: DefaultQoS},
		CleanSession: true,
		KeepAlive:    DefaultKeepAlive,
		JSON:         evhkit.Indented,
		Status:       Status{Topic: DefaultStatusTopic, QoS: DefaultQoS},
	}
	u, err := url.Parse(raw)
	if err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrBadOption, err)
	}
	switch u.Scheme {
	case "mqtt", "tcp":
		u.Scheme = "tcp"
	case "mqtts", "ssl", "tls":
		u.Scheme = "ssl"
	case "ws", "wss":
	default:
		return cfg, fmt.Errorf("%w: scheme %q", ErrBadOption, u.Scheme)
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	q := u.Query()
	strs := map[string]*string{
		"client_id": &cfg.ClientID, "subscribe_topic": &cfg.Janus.Subscribe, "publish_topic": &cfg.Janus.Publish,
		"admin_subscribe_topic": &cfg.Admin.Subscribe, "admin_publish_topic": &cfg.Admin.Publish,
		"status_topic": &cfg.Status.Topic,
	}
	for k, p := range strs {
		if q.Has(k) {
			if *p = q.Get(k); *p == "" {
				return cfg, fmt.Errorf("%w: %s is empty", ErrBadOption, k)
			}
		}
	}
	qos := map[string][]*byte{
		"subscribe_qos": {&cfg.Janus.SubscribeQoS, &cfg.Admin.SubscribeQoS},
		"publish_qos":   {&cfg.Janus.PublishQoS, &cfg.Admin.PublishQoS},
		"status_qos":    {&cfg.Status.QoS},
	}
	for k, ps := range qos {
		if q.Has(k) {
			n, err := strconv.ParseUint(q.Get(k), 10, 8)
			if err != nil || n > 2 {
				return cfg, fmt.Errorf("%w: %s must be 0, 1 or 2", ErrBadOption, k)
			}
			for _, p := range ps {
				*p = byte(n)
			}
		}
	}
	// Messages may be empty (then sent empty), so they are read apart.
	for k, p := range map[string]**string{"status_connect_message": &cfg.Status.Connect, "status_disconnect_message": &cfg.Status.Disconnect} {
		if q.Has(k) {
			m := q.Get(k)
			*p = &m
		}
	}
	for k, p := range map[string]*bool{"admin_enabled": &cfg.AdminEnabled, "cleansession": &cfg.CleanSession,
		"status_enabled": &cfg.Status.Enabled, "status_retain": &cfg.Status.Retain} {
		if q.Has(k) {
			if *p, err = strconv.ParseBool(q.Get(k)); err != nil {
				return cfg, fmt.Errorf("%w: %s: %w", ErrBadOption, k, err)
			}
		}
	}
	if q.Has("json") {
		if cfg.JSON, err = evhkit.ParseFormat(q.Get("json")); err != nil {
			return cfg, fmt.Errorf("%w: %w", ErrBadOption, err)
		}
	}
	if q.Has("keep_alive_interval") {
		n, err := strconv.ParseUint(q.Get("keep_alive_interval"), 10, 16)
		if err != nil || n == 0 {
			return cfg, fmt.Errorf("%w: keep_alive_interval must be positive seconds", ErrBadOption)
		}
		cfg.KeepAlive = time.Duration(n) * time.Second
	}
	u.User, u.RawQuery = nil, ""
	cfg.Broker = u.String()
	return cfg, nil
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ClientID == "" {
		c.ClientID = "argus-" + strconv.FormatUint(core.RandomID(), 36)
	}
	wire.OrDefault(&c.KeepAlive, DefaultKeepAlive)
	wire.OrDefault(&c.PublishTimeout, DefaultPublishTimeout)
	wire.OrDefault(&c.MaxBackoff, DefaultMaxBackoff)
	return c
}
