package rabbitmq

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/argusrtc/argus/telemetry/evhkit"
)

// TLS is the amqps:// configuration from Janus's ssl_* keys.
type TLS struct {
	evhkit.TLS        // ssl_cacert, ssl_cert, ssl_key; SkipVerify is !ssl_verify_peer
	SkipHostname bool // !ssl_verify_hostname: the chain is verified, the name is not
}

// tlsKeys are the Janus rabbitmq transport's TLS keys, all but ssl_enabled.
var tlsKeys = []string{"ssl_cacert", "ssl_cert", "ssl_key", "ssl_verify_peer", "ssl_verify_hostname"}

// parseTLS removes Janus's ssl_* keys from q. ssl_enabled=true turns an
// amqp:// URL into amqps://; the other keys need TLS (amqps:// or
// ssl_enabled=true). It returns nil when no key was given, so that an
// amqps:// URL alone verifies against the system's CAs.
func parseTLS(u *url.URL, q url.Values) (*TLS, error) {
	if q.Has("ssl_enabled") {
		on, err := strconv.ParseBool(q.Get("ssl_enabled"))
		if err != nil {
			return nil, fmt.Errorf("%w: ssl_enabled: %w", ErrBadOption, err)
		}
		if on {
			u.Scheme = "amqps"
		} else if u.Scheme == "amqps" {
			return nil, fmt.Errorf("%w: ssl_enabled=false with an amqps:// URL", ErrBadOption)
		}
		q.Del("ssl_enabled")
	}
	var t *TLS
	for _, k := range tlsKeys {
		if !q.Has(k) {
			continue
		}
		if u.Scheme != "amqps" {
			return nil, fmt.Errorf("%w: %s needs an amqps:// URL or ssl_enabled=true", ErrBadOption, k)
		}
		if t == nil {
			t = &TLS{}
		}
		v := q.Get(k)
		q.Del(k)
		switch k {
		case "ssl_cacert":
			t.CAFile = v
		case "ssl_cert":
			t.CertFile = v
		case "ssl_key":
			t.KeyFile = v
		default:
			verify, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrBadOption, k, err)
			}
			if k == "ssl_verify_peer" {
				t.SkipVerify = !verify
			} else {
				t.SkipHostname = !verify
			}
		}
	}
	return t, nil
}

// Config builds the client's tls.Config; it reads the PEM files.
func (t *TLS) Config() (*tls.Config, error) {
	c, err := t.TLS.Config()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadOption, err)
	}
	if t.SkipHostname && !t.SkipVerify {
		// Verify the chain against the CAs, not the name (Go verifies
		// both or neither).
		c.InsecureSkipVerify = true //nolint:gosec // the chain is verified below
		roots := c.RootCAs
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("rabbitmq transport: no server certificate")
			}
			inter := x509.NewCertPool()
			for _, ic := range cs.PeerCertificates[1:] {
				inter.AddCert(ic)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	}
	return c, nil
}
