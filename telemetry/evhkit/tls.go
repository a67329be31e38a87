package evhkit

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
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
