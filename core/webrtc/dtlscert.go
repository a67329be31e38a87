package webrtc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// certRenewBefore is how long before its expiry the Engine's DTLS
// certificate is replaced for new PeerConnections (pion's generated
// certificates are valid for about a month).
const certRenewBefore = 7 * 24 * time.Hour

// certRetryEvery is how often a failed renewal is tried again while the
// current certificate is still valid (not at every setup, under the
// Engine-wide lock).
const certRetryEvery = time.Minute

// dtlsCert is the Engine's DTLS certificate, one for all its
// PeerConnections as in Janus (one certificate per process). Without one
// in the Configuration pion generates a P-256 key and a self-signed
// certificate for every PeerConnection: a key generation, a signature
// and the DER encoding per setup. Clients check the certificate only
// against the fingerprint in the SDP, so one per gateway is enough; a new
// one is made when the current one is within renewBefore of its expiry
// (PeerConnections already made keep theirs).
type dtlsCert struct {
	renewBefore time.Duration
	now         func() time.Time
	generate    func() (pion.Certificate, error)
	log         *slog.Logger // a failed renewal is warned of; nil: not logged

	mu       sync.Mutex
	cert     pion.Certificate
	ok       bool
	failedAt time.Time // the last failed renewal, zero after a success
}

// newDTLSCert makes the first certificate, so that a gateway that cannot
// make one fails at start.
func newDTLSCert(log *slog.Logger) (*dtlsCert, error) {
	c := &dtlsCert{renewBefore: certRenewBefore, now: time.Now, generate: generateCertificate, log: log}
	if _, err := c.get(); err != nil {
		return nil, err
	}
	return c, nil
}

// generateCertificate makes a certificate as pion does for a
// PeerConnection without one: a P-256 key, self-signed.
func generateCertificate() (pion.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return pion.Certificate{}, fmt.Errorf("dtls key: %w", err)
	}
	cert, err := pion.GenerateCertificate(key)
	if err != nil {
		return pion.Certificate{}, fmt.Errorf("dtls certificate: %w", err)
	}
	return *cert, nil
}

// get returns the certificate for a new PeerConnection, replacing it first
// when it expires within renewBefore (if a new one cannot be made, the
// current one serves until it expires, a warning is logged and the
// renewal is tried again at most every certRetryEvery).
func (c *dtlsCert) get() (pion.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	valid := c.ok && now.Before(c.cert.Expires())
	if c.ok && c.cert.Expires().Sub(now) > c.renewBefore {
		return c.cert, nil
	}
	if valid && !c.failedAt.IsZero() && now.Sub(c.failedAt) < certRetryEvery {
		return c.cert, nil // renewal failed a moment ago: try again later
	}
	cert, err := c.generate()
	if err != nil {
		c.failedAt = now
		if c.log != nil {
			c.log.Warn("webrtc: cannot renew the DTLS certificate", "error", err, "expires", c.cert.Expires(), "valid", valid)
		}
		if valid {
			return c.cert, nil // still valid: serves until it expires
		}
		return pion.Certificate{}, err
	}
	c.cert, c.ok, c.failedAt = cert, true, time.Time{}
	return cert, nil
}
