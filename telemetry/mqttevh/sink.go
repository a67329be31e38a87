// Package mqttevh publishes events to an MQTT broker as Janus's
// janus.eventhandler.mqttevh does: one event per message, with the field
// "eventtype" (Janus's type name: "Sessions", "Handles", "WebRTC", ...)
// added at the end, on the base topic or, with addevent, on
// <topic>/<type label> ("/janus/events/handles"); QoS and retain as set.
// After each connect it publishes connect_status on <topic>/status (with
// the will's retain flag), and with will_enabled the broker publishes
// disconnect_status there when the connection is lost.
package mqttevh

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// Names of the sink.
const (
	SinkName    = "mqtt"
	HandlerName = "janus.eventhandler.mqttevh"
)

// Janus's defaults.
const (
	DefaultTopic            = "/janus/events"
	DefaultQoS              = 1
	DefaultKeepAlive        = 30
	DefaultConnectStatus    = `{"event": "connected", "eventhandler": "` + HandlerName + `"}`
	DefaultDisconnectStatus = `{"event": "disconnected"}`
	statusTopic             = "status"
	disconnectWait          = 250 // ms paho waits to flush on Close
)

// Config configures the sink.
type Config struct {
	URL              string // mqtt://host:1883, mqtts://, tcp://, ssl://, tls://
	ClientID         string // default: argus-<server name>-<random>
	User, Password   string
	KeepAlive        int // seconds
	CleanSession     bool
	Topic            string
	AddEvent         bool
	QoS              int
	Retain           bool
	ConnectStatus    string
	DisconnectStatus string
	WillEnabled      bool
	WillRetain       bool
	WillQoS          int
	TLS              *evhkit.TLS
	Common           evhkit.Common
}

type conn struct{ c mqtt.Client }

func (c *conn) Close() error { c.c.Disconnect(disconnectWait); return nil }

// Sink is the MQTT event sink.
type Sink struct {
	*evhkit.Core[*conn]
	cfg Config
}

// New validates cfg and returns a sink; it connects on the first export.
func New(cfg Config, sc telemetry.SinkConfig) (*Sink, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("url %q: %w", cfg.URL, evhkit.ErrBadSetting)
	}
	switch u.Scheme {
	case "mqtt", "tcp":
		u.Scheme = "tcp"
	case "mqtts", "ssl", "tls":
		u.Scheme = "ssl"
	default:
		return nil, fmt.Errorf("url %q: want mqtt://, mqtts://, tcp:// or ssl://: %w", cfg.URL, evhkit.ErrBadSetting)
	}
	cfg.URL = u.String()
	if cfg.Topic == "" || cfg.QoS < 0 || cfg.QoS > 2 || cfg.WillQoS < 0 || cfg.WillQoS > 2 {
		return nil, fmt.Errorf("topic %q, qos %d, will_qos %d: %w", cfg.Topic, cfg.QoS, cfg.WillQoS, evhkit.ErrBadSetting)
	}
	if cfg.ClientID == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		cfg.ClientID = "argus-" + sc.ServerName + "-" + hex.EncodeToString(b[:])
	}
	s := &Sink{cfg: cfg}
	s.Core = evhkit.NewHandlerCore(HandlerName, cfg.Common, false, s.dial, s.publish, sc.Logger)
	return s, nil
}

func (s *Sink) dial(ctx context.Context) (*conn, error) {
	o := mqtt.NewClientOptions().AddBroker(s.cfg.URL).SetClientID(s.cfg.ClientID).
		SetUsername(s.cfg.User).SetPassword(s.cfg.Password).
		SetKeepAlive(time.Duration(s.cfg.KeepAlive) * time.Second).SetCleanSession(s.cfg.CleanSession).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(s.cfg.Common.DialTimeout)
	status := s.cfg.Topic + "/" + statusTopic
	if s.cfg.WillEnabled {
		o.SetWill(status, s.cfg.DisconnectStatus, byte(s.cfg.WillQoS), s.cfg.WillRetain)
	}
	if s.cfg.TLS != nil {
		tc, err := s.cfg.TLS.Config()
		if err != nil {
			return nil, err
		}
		o.SetTLSConfig(tc)
	}
	c := mqtt.NewClient(o)
	if err := wait(ctx, c.Connect()); err != nil {
		return nil, fmt.Errorf("mqtt connect: %w", err)
	}
	cn := &conn{c: c}
	if err := wait(ctx, c.Publish(status, byte(s.cfg.QoS), s.cfg.WillRetain, s.cfg.ConnectStatus)); err != nil {
		_ = cn.Close()
		return nil, fmt.Errorf("mqtt connect status: %w", err)
	}
	return cn, nil
}

// wait waits for t within ctx.
func wait(ctx context.Context, t mqtt.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// publish sends each event as its own message and waits for them all.
func (s *Sink) publish(ctx context.Context, c *conn, evs []*telemetry.Event, _ bool) error {
	if !c.c.IsConnectionOpen() {
		return fmt.Errorf("mqtt publish: %w", errNotConnected)
	}
	tokens := make([]mqtt.Token, 0, len(evs))
	for _, e := range evs {
		body, err := Encode(e, s.cfg.Common.Format)
		if err != nil {
			return err
		}
		topic := s.cfg.Topic
		if s.cfg.AddEvent {
			topic += "/" + telemetry.Mask(e.Type).String()
		}
		tokens = append(tokens, c.c.Publish(topic, byte(s.cfg.QoS), s.cfg.Retain, body))
	}
	for _, t := range tokens {
		if err := wait(ctx, t); err != nil {
			return fmt.Errorf("mqtt publish: %w", err)
		}
	}
	return nil
}

// errNotConnected is a connection the broker dropped.
var errNotConnected = errors.New("mqttevh: not connected")

// typeNames are Janus's names of the event types (janus_events_type_to_name).
var typeNames = map[telemetry.Type]string{
	telemetry.TypeSession: "Sessions", telemetry.TypeHandle: "Handles", telemetry.TypeExternal: "External",
	telemetry.TypeJSEP: "Jsep", telemetry.TypeWebRTC: "WebRTC", telemetry.TypeMedia: "Media",
	telemetry.TypePlugin: "Plugins", telemetry.TypeTransport: "Transports", telemetry.TypeCore: "Core",
}

// Encode renders an event as mqttevh does: the Janus event with
// "eventtype" appended.
func Encode(e *telemetry.Event, f evhkit.Format) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("marshal event: %w", err)
	}
	if name, ok := typeNames[e.Type]; ok {
		b = append(b[:len(b)-1], `,"eventtype":`...)
		b, _ = appendJSONString(b, name)
		b = append(b, '}')
	}
	return evhkit.Layout(b, f)
}

func appendJSONString(b []byte, s string) ([]byte, error) {
	q, err := json.Marshal(s)
	return append(b, q...), err
}

var (
	_ telemetry.Sink    = (*Sink)(nil)
	_ telemetry.Querier = (*Sink)(nil)
)
