package evhkit

import (
	"context"
	"log/slog"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// Common are the settings every broker handler takes.
type Common struct {
	Events      telemetry.Mask // "events", default all
	Grouping    bool           // "grouping" (handlers that group), default true
	Format      Format         // "json"
	Backoff     time.Duration  // "reconnect_backoff" ms, the first wait
	MaxBackoff  time.Duration  // "reconnect_max" ms
	DialTimeout time.Duration  // "connect_timeout" ms
}

// DefaultCommon returns the defaults with Janus's layout def.
func DefaultCommon(def Format) Common {
	return Common{Events: telemetry.MaskAll, Grouping: true, Format: def,
		Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, DialTimeout: DefaultDialTimeout}
}

// common declares the common settings, read into c; grouping only when
// canGroup.
func (o *Options) common(c *Common, canGroup bool) {
	o.Events(&c.Events)
	if canGroup {
		o.Bool("grouping", &c.Grouping, "send arrays of up to 100 events")
	}
	o.Func("json", string(c.Format), "indented, plain or compact", func(v string) error {
		f, err := ParseFormat(v)
		c.Format = f
		return err
	})
	o.Millis("reconnect_backoff", &c.Backoff, time.Millisecond, maxWait, "ms before the first reconnect, doubling")
	o.Millis("reconnect_max", &c.MaxBackoff, time.Millisecond, maxWait, "ms, the longest reconnect wait")
	o.Millis("connect_timeout", &c.DialTimeout, time.Millisecond, maxWait, "ms per connection attempt and per publish")
}

// maxWait bounds the common ms settings (a day).
const maxWait = 24 * time.Hour

// NewHandlerCore returns the Core of the broker handler named handler with
// the common settings c: it keeps c.Events as its mask; a handler that
// groups (canGroup) starts grouped as c.Grouping says, one that does not
// is handed up to MaxGroup events per Publish call (each sent as its own
// message, acknowledged once per call); it connects through dial,
// reconnecting with c's backoff, and bounds each dial and publish by
// c.DialTimeout.
func NewHandlerCore[C Conn](handler string, c Common, canGroup bool, dial func(context.Context) (C, error),
	publish Publish[C], log *slog.Logger,
) *Core[C] {
	return NewCore(CoreConfig[C]{
		Handler: handler, Events: c.Events, Grouping: c.Grouping, CanGroup: canGroup, PerCall: !canGroup,
		Conn:    NewReconnector(dial, c.Backoff, c.MaxBackoff, c.DialTimeout),
		Publish: publish, PublishTimeout: c.DialTimeout, Logger: log,
	})
}
