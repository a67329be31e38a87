package homer

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// SinkName is the name this sink registers under in telemetry's registry.
const SinkName = "hep"

// FromSettings builds a sink from its string settings (config file,
// ARGUS_* environment, flags): the keys declared in options, with
// node_name defaulting to sc.ServerName ("events" and "enabled" are read
// by cmd/argus). Unknown keys and malformed values are errors wrapping
// ErrBadSetting.
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := defaultSinkConfig()
	cfg.NodeName, cfg.Logger = sc.ServerName, sc.Logger
	return telemetry.BuildSink(cfg, sc.Settings, options, NewSink)
}

// defaultSinkConfig holds the defaults NewSink gives zero fields, so that
// -help shows them.
func defaultSinkConfig() SinkConfig {
	return SinkConfig{CaptureID: DefaultCaptureID, Correlation: CorrelationSession,
		DialTimeout: DefaultDialTimeout, WriteTimeout: DefaultWriteTimeout, MaxHandles: DefaultMaxHandles}
}

// options are the sink's settings, read into c. The numbers take what
// they took before: any whole number of ms (NewSink turns one <= 0 into
// the default), any max_handles, a capture_id that fits 32 bits.
func options(c *SinkConfig) *telemetry.SinkOptions {
	o := telemetry.NewSinkOptions(ErrBadSetting)
	o.FlagSetting(urlKey, &c.URL)
	o.Events(nil)
	o.Func("capture_id", strconv.FormatUint(uint64(c.CaptureID), 10), "HEP capture agent id", func(v string) error {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
		c.CaptureID = uint32(n)
		return err
	})
	o.String("password", &c.Password, "HEP auth key")
	o.String("node_name", &c.NodeName, "capture agent name (default: the server name)")
	o.String("correlation", &c.Correlation, "session or opaque")
	o.Func("room_correlation", strconv.FormatBool(!c.DisableRoomCorrelation), "also send room events under room-<id>",
		func(v string) error {
			on, err := telemetry.ParseBool(v)
			c.DisableRoomCorrelation = !on
			return err
		})
	o.Func("server_addr", "", "gateway ip:port used as dst (default: the listener that accepted each connection)",
		func(v string) (err error) {
			c.ServerAddr, err = netip.ParseAddrPort(v)
			return err
		})
	o.Millis("dial_timeout", &c.DialTimeout, math.MinInt64, math.MaxInt64, "ms")
	o.Millis("write_timeout", &c.WriteTimeout, math.MinInt64, math.MaxInt64, "ms")
	o.Int("max_handles", &c.MaxHandles, math.MinInt, math.MaxInt, "bound of the per-handle state")
	tlsConfig := func() *tls.Config {
		if c.TLSConfig == nil {
			c.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return c.TLSConfig
	}
	o.Func("tls_ca_file", "", "PEM CAs for tls://", func(v string) (err error) {
		tlsConfig().RootCAs, err = loadCAs(v)
		return err
	})
	o.Func("tls_server_name", "", "name to verify instead of the URL host", func(v string) error {
		tlsConfig().ServerName = v
		return nil
	})
	o.Func("tls_skip_verify", "false", "accept any certificate", func(v string) (err error) {
		tlsConfig().InsecureSkipVerify, err = telemetry.ParseBool(v) //nolint:gosec // opt-in for self-signed heplify-server
		return err
	})
	return o
}

func loadCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificates in %s", path)
	}
	return pool, nil
}
