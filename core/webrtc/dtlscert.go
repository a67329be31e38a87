package webrtc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// certRenewBefore is how long before its expiry the Engine's DTLS
// certificate is replaced for new PeerConnections (pion's generated
// certificates are valid for about a month).
const certRenewBefore = 7 * 24 * time.Hour

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

	mu   sync.Mutex
	cert pion.Certificate
	ok   bool
}

// newDTLSCert makes the first certificate, so that a gateway that cannot
// make one fails at start.
func newDTLSCert() (*dtlsCert, error) {
	c := &dtlsCert{renewBefore: certRenewBefore, now: time.Now, generate: generateCertificate}
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
// current one serves until it expires).
func (c *dtlsCert) get() (pion.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.cert.Expires().Sub(c.now()) > c.renewBefore {
		return c.cert, nil
	}
	cert, err := c.generate()
	if err != nil {
		if c.ok && c.now().Before(c.cert.Expires()) {
			return c.cert, nil // still valid: the next setup tries again
		}
		return pion.Certificate{}, err
	}
	c.cert, c.ok = cert, true
	return cert, nil
}
