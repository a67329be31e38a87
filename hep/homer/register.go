package homer

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// SinkName is the name this sink registers under in telemetry's registry.
const SinkName = "hep"

func init() { telemetry.RegisterSink(SinkName, FromSettings) }

// FromSettings builds a sink from string settings (config file, ARGUS_*
// environment, flags):
//
//	url              udp://host:9060 | tcp://host:9061 | tls://host:9061 (required)
//	capture_id       HEP capture agent id (default 2001)
//	password         HEP auth key, sent in clear; off when empty
//	node_name        capture agent name (default: the server name)
//	correlation      session (default) | opaque
//	room_correlation true (default): also send room events under "room-<id>"
//	server_addr      the gateway listener ip:port for dst (default: the
//	                 listener that accepted each client's connection)
//	dial_timeout     ms (default 3000)
//	write_timeout    ms (default 2000)
//	max_handles      bound of the per-handle state (default 65536)
//	tls_ca_file      PEM file of CAs trusted for tls:// (default: system roots)
//	tls_server_name  name to verify instead of the URL host
//	tls_skip_verify  true to accept any certificate (heplify-server's
//	                 self-signed one); never for untrusted networks
//	events, enabled  accepted and ignored (cmd/argus reads them)
//
// Unknown keys are errors.
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := SinkConfig{NodeName: sc.ServerName, Logger: sc.Logger}
	var tlsCfg tls.Config
	useTLS := false
	for k, v := range sc.Settings {
		var err error
		switch k {
		case "events", "enabled":
		case "url":
			cfg.URL = v
		case "capture_id":
			var n uint64
			n, err = strconv.ParseUint(v, 10, 32)
			cfg.CaptureID = uint32(n)
		case "password":
			cfg.Password = v
		case "node_name":
			cfg.NodeName = v
		case "correlation":
			cfg.Correlation = v
		case "room_correlation":
			var on bool
			on, err = strconv.ParseBool(v)
			cfg.DisableRoomCorrelation = !on
		case "server_addr":
			cfg.ServerAddr, err = netip.ParseAddrPort(v)
		case "dial_timeout":
			cfg.DialTimeout, err = ms(v)
		case "write_timeout":
			cfg.WriteTimeout, err = ms(v)
		case "max_handles":
			cfg.MaxHandles, err = strconv.Atoi(v)
		case "tls_ca_file":
			useTLS = true
			tlsCfg.RootCAs, err = loadCAs(v)
		case "tls_server_name":
			useTLS = true
			tlsCfg.ServerName = v
		case "tls_skip_verify":
			useTLS = true
			tlsCfg.InsecureSkipVerify, err = strconv.ParseBool(v) //nolint:gosec // opt-in for self-signed heplify-server
		default:
			return nil, fmt.Errorf("%w: unknown key %q", ErrBadSetting, k)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s=%q: %w", ErrBadSetting, k, v, err)
		}
	}
	if useTLS {
		tlsCfg.MinVersion = tls.VersionTLS12
		cfg.TLSConfig = &tlsCfg
	}
	return NewSink(cfg)
}

func ms(v string) (time.Duration, error) {
	n, err := strconv.Atoi(v)
	return time.Duration(n) * time.Millisecond, err
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
