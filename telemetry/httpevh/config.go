package httpevh

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// Format is the JSON layout of a POST body (Janus's "json" setting).
type Format string

// Formats, as Janus's sample event handler names them (janus-reference.md 4.5).
const (
	// FormatIndented is 3-space indented JSON, Janus 1.1.2's default.
	FormatIndented Format = "indented"
	// FormatPlain is one line with a space after ':' and ','.
	FormatPlain Format = "plain"
	// FormatCompact is one line without spaces (Janus master's default).
	FormatCompact Format = "compact"
)

// Defaults of Janus 1.1.2's sample event handler (janus-reference.md 4.5).
const (
	DefaultMaxRetransmissions = 5
	DefaultBackoff            = 100 * time.Millisecond
	DefaultTimeout            = 10 * time.Second
	DefaultCompressionLevel   = 6
	// MaxGroup is the most events in one grouped POST, as in Janus.
	MaxGroup = 100
)

// Config configures the sink. Start from DefaultConfig: the zero values of
// Grouping and MaxRetransmissions are meaningful (off, no retries).
type Config struct {
	// URL is the backend; it must start with "http" (Janus "backend").
	URL string
	// Grouping POSTs a JSON array of up to MaxGroup events; off, one object
	// per POST (Janus "grouping", default true).
	Grouping bool
	// Format is the JSON layout; "" means FormatIndented (Janus 1.1.2).
	Format Format
	// Compress gzips the body with CompressionLevel (0-9) and sets
	// Content-Encoding: gzip (Janus "compress"/"compression").
	Compress         bool
	CompressionLevel int
	// User and Password enable HTTP Basic auth when both are set.
	User, Password string
	// MaxRetransmissions is how many times a failed POST is retried; 0
	// disables retries (Janus "max_retransmissions").
	MaxRetransmissions int
	// Backoff is the wait before retry 1; it doubles on each retry
	// (Janus "retransmissions_backoff": 100, 200, 400, 800, 1600 ms).
	Backoff time.Duration
	// Timeout bounds each POST (Janus's curl timeout, 10 s).
	Timeout time.Duration
	// Events is the sink's own mask, applied in Export; attach the sink to
	// the bus with a mask at least as wide. Admin "tweak" changes it.
	Events telemetry.Mask
	// OnMaskChange, if set, is called after a tweak changes Events, so the
	// bus can stop queueing filtered events (wire it to Bus.SetMask).
	OnMaskChange func(telemetry.Mask)
	// Logger gets failures; default discard.
	Logger *slog.Logger
}

// DefaultConfig returns Janus 1.1.2's defaults for url.
func DefaultConfig(url string) Config {
	return Config{
		URL:                url,
		Grouping:           true,
		Format:             FormatIndented,
		CompressionLevel:   DefaultCompressionLevel,
		MaxRetransmissions: DefaultMaxRetransmissions,
		Backoff:            DefaultBackoff,
		Timeout:            DefaultTimeout,
		Events:             telemetry.MaskAll,
	}
}

// Validate checks the config and fills in defaults for empty fields.
func (c *Config) Validate() error {
	if !strings.HasPrefix(c.URL, "http") {
		return fmt.Errorf("backend %q: %w", c.URL, ErrBadURL)
	}
	switch c.Format {
	case "":
		c.Format = FormatIndented
	case FormatIndented, FormatPlain, FormatCompact:
	default:
		return fmt.Errorf("json %q: %w", c.Format, ErrBadConfig)
	}
	if c.CompressionLevel < 0 || c.CompressionLevel > 9 {
		return fmt.Errorf("compression %d not in 0-9: %w", c.CompressionLevel, ErrBadConfig)
	}
	if c.MaxRetransmissions < 0 {
		return fmt.Errorf("max_retransmissions %d: %w", c.MaxRetransmissions, ErrBadConfig)
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
