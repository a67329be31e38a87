package rabbitmq

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Package is the transport's Janus package name.
const Package = "janus.transport.rabbitmq"

// Defaults (Janus's sample configuration, and the backoff of a lost broker).
const (
	DefaultToJanus        = "to-janus"
	DefaultFromJanus      = "from-janus"
	DefaultToJanusAdmin   = "to-janus-admin"
	DefaultFromJanusAdmin = "from-janus-admin"
	DefaultExchangeType   = "fanout"
	DefaultPublishTimeout = 5 * time.Second
	DefaultMinBackoff     = 100 * time.Millisecond
	DefaultMaxBackoff     = 10 * time.Second
)

// ErrBadOption reports an invalid option in the -rabbitmq URL.
var ErrBadOption = errors.New("rabbitmq transport: invalid option")

// API is the configuration of one API (Janus or Admin) over the broker.
// As in Janus, each API has its own queue settings (the Admin API's keys
// end in _admin), and they apply to the incoming queue only: the outgoing
// queue is declared not durable, not auto-delete, not exclusive.
type API struct {
	ToJanus   string // queue consumed (or routing key bound to QueueName)
	FromJanus string // routing key of what is published (and queue declared)
	QueueName string // when set: the incoming queue, bound to Exchange with ToJanus

	DeclareOutgoingQueue bool // declare a queue named FromJanus (not bound)
	QueueDurable         bool
	QueueAutoDelete      bool
	QueueExclusive       bool
}

// incoming is the queue the API's requests are consumed from.
func (a API) incoming() string {
	if a.QueueName != "" {
		return a.QueueName
	}
	return a.ToJanus
}

// Config configures a Transport.
type Config struct {
	transports.Deps // gateway, emitter, server name, logger

	URL          string // amqp:// URL without the options below
	TLS          *TLS   // amqps:// settings (ssl_*); nil: the system's CAs
	Janus        API
	Admin        API
	AdminEnabled bool
	JSON         evhkit.Format // layout of what is published ("json"); indented, as Janus

	Exchange     string // "" = the default exchange
	ExchangeType string // when Exchange is set; fanout

	Queue          int // outgoing queue per API (msgclient default)
	PublishTimeout time.Duration
	MinBackoff     time.Duration
	MaxBackoff     time.Duration
}

// ParseURL splits a -rabbitmq URL into a Config: Janus's option keys
// are removed from the query, the rest stays in cfg.URL.
func ParseURL(raw string) (Config, error) {
	cfg := Config{
		Janus:        API{ToJanus: DefaultToJanus, FromJanus: DefaultFromJanus, DeclareOutgoingQueue: true},
		Admin:        API{ToJanus: DefaultToJanusAdmin, FromJanus: DefaultFromJanusAdmin, DeclareOutgoingQueue: true},
		ExchangeType: DefaultExchangeType,
		JSON:         evhkit.Indented,
	}
	u, err := url.Parse(raw)
	if err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrBadOption, err)
	}
	if u.Scheme != "amqp" && u.Scheme != "amqps" {
		return cfg, fmt.Errorf("%w: scheme %q, want amqp or amqps", ErrBadOption, u.Scheme)
	}
	q := u.Query()
	strs := map[string]*string{
		"to_janus": &cfg.Janus.ToJanus, "from_janus": &cfg.Janus.FromJanus, "queue_name": &cfg.Janus.QueueName,
		"to_janus_admin": &cfg.Admin.ToJanus, "from_janus_admin": &cfg.Admin.FromJanus,
		"queue_name_admin": &cfg.Admin.QueueName,
		"janus_exchange":   &cfg.Exchange, "janus_exchange_type": &cfg.ExchangeType,
	}
	bools := map[string]*bool{
		"admin_enabled":          &cfg.AdminEnabled,
		"declare_outgoing_queue": &cfg.Janus.DeclareOutgoingQueue, "declare_outgoing_queue_admin": &cfg.Admin.DeclareOutgoingQueue,
		"queue_durable": &cfg.Janus.QueueDurable, "queue_durable_admin": &cfg.Admin.QueueDurable,
		"queue_autodelete": &cfg.Janus.QueueAutoDelete, "queue_autodelete_admin": &cfg.Admin.QueueAutoDelete,
		"queue_exclusive": &cfg.Janus.QueueExclusive, "queue_exclusive_admin": &cfg.Admin.QueueExclusive,
	}
	for k, p := range strs {
		if q.Has(k) {
			if *p = q.Get(k); *p == "" {
				return cfg, fmt.Errorf("%w: %s is empty", ErrBadOption, k)
			}
			q.Del(k)
		}
	}
	for k, p := range bools {
		if q.Has(k) {
			b, err := strconv.ParseBool(q.Get(k))
			if err != nil {
				return cfg, fmt.Errorf("%w: %s: %w", ErrBadOption, k, err)
			}
			*p = b
			q.Del(k)
		}
	}
	if q.Has("json") {
		if cfg.JSON, err = evhkit.ParseFormat(q.Get("json")); err != nil {
			return cfg, fmt.Errorf("%w: %w", ErrBadOption, err)
		}
		q.Del("json")
	}
	if cfg.TLS, err = parseTLS(u, q); err != nil {
		return cfg, err
	}
	u.RawQuery = q.Encode()
	cfg.URL = u.String()
	return cfg, nil
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	wire.OrDefault(&c.PublishTimeout, DefaultPublishTimeout)
	wire.OrDefault(&c.MinBackoff, DefaultMinBackoff)
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(DefaultMaxBackoff, c.MinBackoff)
	}
	if c.ExchangeType == "" {
		c.ExchangeType = DefaultExchangeType
	}
	return c
}
