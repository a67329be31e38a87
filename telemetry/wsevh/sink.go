// Package wsevh sends events to a WebSocket server as Janus's
// janus.eventhandler.wsevh does: Argus connects out to the backend
// (ws:// or wss://) with subprotocol "janus-event-handlers" (configurable)
// and sends each message as a text frame: an array of up to 100 events
// when grouping, else one event object. Where Janus buffers without bound
// while reconnecting (events_cap_on_reconnect caps it), Argus keeps only
// the bus's bounded queue and drops, counting, what the server cannot take.
package wsevh

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/coder/websocket"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// Names of the sink.
const (
	SinkName    = "ws"
	HandlerName = "janus.eventhandler.wsevh"
)

// DefaultSubprotocol is Janus's wsevh subprotocol.
const DefaultSubprotocol = "janus-event-handlers"

// Config configures the sink.
type Config struct {
	URL         string // ws:// or wss://
	Subprotocol string
	TLS         *evhkit.TLS
	Common      evhkit.Common
}

type conn struct {
	c      *websocket.Conn
	cancel context.CancelFunc // ends the read loop CloseRead started
	gone   context.Context    //nolint:containedctx // done once the connection is closed (websocket's CloseRead returns it)
}

func (c *conn) Close() error {
	defer c.cancel()
	if err := c.c.Close(websocket.StatusNormalClosure, ""); err != nil {
		return fmt.Errorf("websocket close: %w", err)
	}
	return nil
}

// Sink is the WebSocket event sink.
type Sink struct {
	*evhkit.Core[*conn]
	cfg    Config
	client *http.Client
}

// New validates cfg and returns a sink; it connects on the first export.
func New(cfg Config, sc telemetry.SinkConfig) (*Sink, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, fmt.Errorf("backend %q: only ws:// and wss:// addresses: %w", cfg.URL, evhkit.ErrBadSetting)
	}
	s := &Sink{cfg: cfg, client: &http.Client{}}
	if cfg.TLS != nil {
		tc, err := cfg.TLS.Config()
		if err != nil {
			return nil, err
		}
		tr, _ := http.DefaultTransport.(*http.Transport)
		tr = tr.Clone()
		tr.TLSClientConfig = tc
		s.client.Transport = tr
	}
	s.Core = evhkit.NewHandlerCore(HandlerName, cfg.Common, true, s.dial, s.publish, sc.Logger)
	return s, nil
}

func (s *Sink) dial(ctx context.Context) (*conn, error) {
	c, resp, err := websocket.Dial(ctx, s.cfg.URL, &websocket.DialOptions{
		HTTPClient: s.client, Subprotocols: []string{s.cfg.Subprotocol},
	})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("websocket dial: %w", err)
	}
	// The server sends nothing; CloseRead answers pings and the close
	// handshake until Close cancels it.
	rctx, cancel := context.WithCancel(context.Background())
	return &conn{c: c, cancel: cancel, gone: c.CloseRead(rctx)}, nil
}

// SharesJSON tells the bus that every event this sink takes is exported
// as its JSON (telemetry.JSONSink), so the bus has it encoded once for all
// such sinks.
func (s *Sink) SharesJSON() bool { return true }

// publish sends one text message.
func (s *Sink) publish(ctx context.Context, c *conn, evs []*telemetry.Event, grouped bool) error {
	body, err := evhkit.MarshalEvents(evs, grouped, s.cfg.Common.Format)
	if err != nil {
		return err
	}
	if c.gone.Err() != nil {
		return fmt.Errorf("websocket: %w", errClosedByServer)
	}
	if err := c.c.Write(ctx, websocket.MessageText, body); err != nil {
		return fmt.Errorf("websocket write: %w", err)
	}
	return nil
}

var (
	_ telemetry.Sink    = (*Sink)(nil)
	_ telemetry.Querier = (*Sink)(nil)
)
