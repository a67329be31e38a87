package webrtc

import (
	"errors"
	"regexp"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// TestEnginePeersShareCertificate: the Peers of one Engine offer the same
// DTLS fingerprint (one certificate per gateway, as Janus), and another
// Engine has another one.
func TestEnginePeersShareCertificate(t *testing.T) {
	fp := regexp.MustCompile(`a=fingerprint:(\S+ \S+)`)
	fingerprint := func(eng *Engine, session uint64) string {
		peer := newPeer(t, eng, PeerParams{SessionID: session, HandleID: 1})
		if _, err := peer.PeerConnection().CreateDataChannel("d", nil); err != nil {
			t.Fatal(err)
		}
		offer, err := peer.CreateOffer(ctxT(t), false)
		if err != nil {
			t.Fatal(err)
		}
		m := fp.FindStringSubmatch(offer)
		if m == nil {
			t.Fatalf("no fingerprint in the offer:\n%s", offer)
		}
		return m[1]
	}
	eng := testEngine(t, &recorder{})
	a, b := fingerprint(eng, 1), fingerprint(eng, 2)
	if a != b {
		t.Errorf("two Peers of one Engine: fingerprints %q and %q, want one", a, b)
	}
	if c := fingerprint(testEngine(t, &recorder{}), 3); c == a {
		t.Errorf("another Engine has the same fingerprint %q", c)
	}
}

// TestDTLSCertRenewal: the certificate is kept while it has more than
// renewBefore left, replaced after; a failed replacement keeps the old one
// until it expires, then fails, and is tried again after a minute while
// the old one is valid, at once when it is not.
func TestDTLSCertRenewal(t *testing.T) {
	now := time.Now()
	var made int
	var fail bool
	c := &dtlsCert{renewBefore: 7 * 24 * time.Hour, now: func() time.Time { return now },
		generate: func() (pion.Certificate, error) {
			if fail {
				return pion.Certificate{}, errors.New("no entropy")
			}
			made++
			return generateCertificate()
		}}
	get := func() (pion.Certificate, error) {
		t.Helper()
		return c.get()
	}
	first, err := get()
	if err != nil {
		t.Fatal(err)
	}
	expires := first.Expires()
	steps := []struct {
		name    string
		at      time.Time
		fail    bool
		same    bool // the first certificate
		wantErr bool
		made    int
	}{
		{"fresh", now.Add(time.Hour), false, true, false, 1},
		{"8 days left", expires.Add(-8 * 24 * time.Hour), false, true, false, 1},
		{"6 days left, cannot make one", expires.Add(-6 * 24 * time.Hour), true, true, false, 1},
		{"30 s later, not tried again", expires.Add(-6*24*time.Hour + 30*time.Second), false, true, false, 1},
		{"2 min later, made", expires.Add(-6*24*time.Hour + 2*time.Minute), false, false, false, 2},
		{"expired, cannot make one", expires.Add(time.Hour), true, false, true, 2},
		{"expired, tried again at once", expires.Add(time.Hour + time.Second), false, false, false, 3},
	}
	for _, s := range steps {
		now, fail = s.at, s.fail
		got, err := get()
		if (err != nil) != s.wantErr {
			t.Fatalf("%s: err %v, want error %v", s.name, err, s.wantErr)
		}
		if err == nil && got.Equals(first) != s.same {
			t.Errorf("%s: same certificate %v, want %v", s.name, got.Equals(first), s.same)
		}
		if made != s.made {
			t.Errorf("%s: %d certificates made, want %d", s.name, made, s.made)
		}
	}
}
