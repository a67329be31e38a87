package webrtc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5/stdnet"
	pion "github.com/pion/webrtc/v4"
)

// BenchmarkPeerSetup reports what one PeerConnection's setup allocates:
// a Peer and a pion client on loopback negotiate (SDP, ICE, DTLS-SRTP)
// until the receiving side has read its first RTP packet, then both
// close. client-offers is a publisher's or EchoTest's setup (the client
// offers a VP8 track, the Peer answers and reads it); peer-offers is a
// VideoRoom subscriber's (the Peer offers a VP8 track, the client answers
// and reads it). The client side is kept cheap and constant (one
// certificate and one interface list for the whole benchmark, no
// interceptors), so B/op and allocs/op move with what the Peer's side
// allocates; run with -benchmem -count N and compare medians.
func BenchmarkPeerSetup(b *testing.B) {
	eng, err := newEngine(Config{ServerName: "bench", IncludeLoopback: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = eng.Close() })
	api := setupClientAPI(b)
	cert := clientCertificate(b)
	for _, tc := range []struct {
		name  string
		setup func(b *testing.B)
	}{
		{"client-offers", func(b *testing.B) { setupClientOffers(b, eng, api, cert) }},
		{"peer-offers", func(b *testing.B) { setupPeerOffers(b, eng, api, cert) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tc.setup(b) // once untimed: pion's package-level pools fill on first use
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				tc.setup(b)
			}
		})
	}
}

// setupClientOffers connects a Peer that receives a VP8 track from a
// client, waits for the Peer's first packet and closes both.
func setupClientOffers(b *testing.B, eng *Engine, api *pion.API, cert pion.Certificate) {
	b.Helper()
	peer, err := eng.NewPeer(PeerParams{SessionID: 1, HandleID: 1})
	if err != nil {
		b.Fatal(err)
	}
	var read atomic.Int64
	peer.PeerConnection().OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		buf := make([]byte, 1500)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
			read.Add(1)
		}
	})
	p := &videoPair{peer: peer}
	defer closeVideoPairs(b, []*videoPair{p})
	if p.client, err = api.NewPeerConnection(pion.Configuration{Certificates: []pion.Certificate{cert}}); err != nil {
		b.Fatal(err)
	}
	if p.track, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "v", "s"); err != nil {
		b.Fatal(err)
	}
	if _, err := p.client.AddTrack(p.track); err != nil {
		b.Fatal(err)
	}
	negotiate(b, p.peer, p.client)
	sendUntilRead(b, p.send, &read)
}

// setupPeerOffers connects a Peer that sends a VP8 track to a client,
// waits for the client's first packet and closes both.
func setupPeerOffers(b *testing.B, eng *Engine, api *pion.API, cert pion.Certificate) {
	b.Helper()
	peer, err := eng.NewPeer(PeerParams{SessionID: 1, HandleID: 1})
	if err != nil {
		b.Fatal(err)
	}
	p := &videoPair{peer: peer}
	defer closeVideoPairs(b, []*videoPair{p})
	if p.track, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "v", "s"); err != nil {
		b.Fatal(err)
	}
	if _, err := peer.PeerConnection().AddTrack(p.track); err != nil {
		b.Fatal(err)
	}
	if p.client, err = api.NewPeerConnection(pion.Configuration{Certificates: []pion.Certificate{cert}}); err != nil {
		b.Fatal(err)
	}
	var read atomic.Int64
	p.client.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		buf := make([]byte, 1500)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
			read.Add(1)
		}
	})
	offerFromPeer(b, peer, p.client, false)
	sendUntilRead(b, p.send, &read)
}

// sendUntilRead sends a packet every millisecond until one was read (at
// most 10 s).
func sendUntilRead(b *testing.B, send func([]byte, uint32) error, read *atomic.Int64) {
	b.Helper()
	payload := make([]byte, 1000)
	for range 10_000 {
		if read.Load() > 0 {
			return
		}
		_ = send(payload, 3000) // fails until DTLS is up
		time.Sleep(time.Millisecond)
	}
	b.Fatal("no packet read in 10 s")
}

// setupClientAPI is bareClientAPI with one interface list for all its
// PeerConnections (pion enumerates the interfaces once per PeerConnection
// otherwise), so the client's share of BenchmarkPeerSetup stays small.
func setupClientAPI(b *testing.B) *pion.API {
	b.Helper()
	me := &pion.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		b.Fatalf("codecs: %v", err)
	}
	n, err := stdnet.NewNet()
	if err != nil {
		b.Fatal(err)
	}
	se := pion.SettingEngine{}
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetNet(n)
	return pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se), pion.WithInterceptorRegistry(&interceptor.Registry{}))
}

// clientCertificate is the one DTLS certificate of the benchmark's clients.
func clientCertificate(b *testing.B) pion.Certificate {
	b.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	cert, err := pion.GenerateCertificate(key)
	if err != nil {
		b.Fatal(err)
	}
	return *cert
}
