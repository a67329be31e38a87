package evhkit

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/argusrtc/argus/telemetry"
)

// TLS is the TLS part of a sink's settings. Unlike some of Janus's
// handlers, peer verification is on unless turned off.
type TLS struct {
	CAFile, CertFile, KeyFile string
	ServerName                string
	SkipVerify                bool
}

// Config builds the tls.Config (TLS 1.2 or later).
func (t TLS) Config() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.SkipVerify} //nolint:gosec // opt-in only
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls ca: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca %s: no PEM certificates: %w", t.CAFile, ErrBadSetting)
		}
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// TLSKeys names a sink's four TLS settings: Janus's modules call them
// differently (tls_* in mqttevh and wsevh, ssl_* in rabbitmqevh).
type TLSKeys struct {
	CA, Cert, Key, Verify string
	// CAUsage is the CA setting's -help text.
	CAUsage string
}

// ClientTLSKeys are the tls_cacert, tls_client_cert, tls_client_key and
// tls_verify_peer settings of mqttevh and wsevh (and natsevh).
func ClientTLSKeys(caUsage string) TLSKeys {
	return TLSKeys{CA: "tls_cacert", Cert: "tls_client_cert", Key: "tls_client_key", Verify: "tls_verify_peer", CAUsage: caUsage}
}

// Options documents the four settings (for -help and -sink-opt checks).
func (k TLSKeys) Options() []telemetry.SinkOption {
	return []telemetry.SinkOption{
		{Key: k.CA, Usage: k.CAUsage},
		{Key: k.Cert, Usage: "PEM client certificate"},
		{Key: k.Key, Usage: "PEM client key"},
		{Key: k.Verify, Default: "true", Usage: "verify the server certificate"},
	}
}

// TLS reads the TLS settings under k; it returns nil when none of them is
// set, so the URL scheme alone decides (amqps://, mqtts://, wss://,
// tls://).
func (s *Settings) TLS(k TLSKeys) *TLS {
	t := TLS{}
	verify := true
	s.String(k.CA, &t.CAFile)
	s.String(k.Cert, &t.CertFile)
	s.String(k.Key, &t.KeyFile)
	_, hasVerify := s.m[k.Verify]
	s.Bool(k.Verify, &verify)
	t.SkipVerify = !verify
	if t == (TLS{SkipVerify: t.SkipVerify}) && !hasVerify {
		return nil
	}
	return &t
}
