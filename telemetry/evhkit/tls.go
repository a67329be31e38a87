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

// TLS reads TLS settings under the given keys (Janus's names differ per
// module); it returns nil when none of the file keys is set, so the URL
// scheme alone decides (amqps://, mqtts://, wss://, tls://).
func (s *Settings) TLS(caKey, certKey, keyKey, verifyKey string) *TLS {
	t := TLS{}
	verify := true
	s.String(caKey, &t.CAFile)
	s.String(certKey, &t.CertFile)
	s.String(keyKey, &t.KeyFile)
	_, hasVerify := s.m[verifyKey]
	s.Bool(verifyKey, &verify)
	t.SkipVerify = !verify
	if t == (TLS{SkipVerify: t.SkipVerify}) && !hasVerify {
		return nil
	}
	return &t
}
