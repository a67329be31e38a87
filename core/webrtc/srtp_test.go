package webrtc

import (
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
)

// srtpCipher is the SRTP protection profile a PeerConnection negotiated,
// from its transport statistics ("" until DTLS is up).
func srtpCipher(pc *pion.PeerConnection) string {
	for _, v := range pc.GetStats() {
		if ts, ok := v.(pion.TransportStats); ok && ts.SRTPCipher != "" {
			return ts.SRTPCipher
		}
	}
	return ""
}

// TestSRTPProfile: against a pion client, which offers pion's default
// order (AES-256-GCM first), the SRTP profile is AES-128-GCM where Argus's
// order decides, that is where Argus is the DTLS server: when it offers
// (VideoRoom subscribers; the answerer takes the DTLS client role). When
// the client offers, Argus answers as DTLS client and the client picks.
func TestSRTPProfile(t *testing.T) {
	tests := []struct {
		name   string
		offers string // "argus" or "client"
		want   string
	}{
		{"Argus offers: Argus is DTLS server, its order", "argus", "SRTP_AEAD_AES_128_GCM"},
		{"client offers: the client is DTLS server, its order", "client", "SRTP_AEAD_AES_256_GCM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, client := dataCall(t, tt.offers)
			testkit.Until(t, 10*time.Second, "SRTP keys", func() bool { return srtpCipher(client) != "" })
			if got := srtpCipher(client); got != tt.want {
				t.Fatalf("SRTP profile %q, want %q", got, tt.want)
			}
		})
	}
}
