package webrtc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// FuzzSetRemoteDescription: arbitrary SDP never panics and every error
// wraps ErrInvalidSDP.
func FuzzSetRemoteDescription(f *testing.F) {
	f.Add("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n")
	f.Add("v=0\r\n")
	f.Add("m=video 0 RTP/AVP\r\n")
	eng, err := NewEngine(Config{Emitter: telemetry.Discard, IncludeLoopback: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = eng.Close() })
	f.Fuzz(func(t *testing.T, sdp string) {
		p, err := eng.NewPeer(PeerParams{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { p.Close("fuzz"); <-p.Done() }()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.SetRemoteDescription(ctx, "offer", sdp); err != nil && !errors.Is(err, ErrInvalidSDP) {
			t.Fatalf("error does not wrap ErrInvalidSDP: %v", err)
		}
	})
}

// FuzzAddCandidate: arbitrary candidate lines never panic; errors wrap
// ErrInvalidCandidate.
func FuzzAddCandidate(f *testing.F) {
	f.Add("candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", "0", false)
	f.Add("candidate:2 1 tcp 1 ::1 9 typ host tcptype active", "0", false)
	f.Add("candidate:3 1 udp 1 1.2.3.4 5 typ srflx raddr 0.0.0.0 rport 0", "audio", false)
	f.Add("", "", true)
	eng, err := NewEngine(Config{Emitter: telemetry.Discard, IncludeLoopback: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = eng.Close() })
	p, err := eng.NewPeer(PeerParams{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close("fuzz"); <-p.Done() })
	f.Fuzz(func(t *testing.T, line, mid string, completed bool) {
		c := Candidate{Candidate: line, Completed: completed}
		if mid != "" {
			c.SDPMid = &mid
		}
		if err := p.AddCandidate(c); err != nil && !errors.Is(err, ErrInvalidCandidate) {
			t.Fatalf("error does not wrap ErrInvalidCandidate: %v", err)
		}
		if _, err := parseCandidate(c); err != nil && !errors.Is(err, ErrInvalidCandidate) {
			t.Fatalf("parse error does not wrap ErrInvalidCandidate: %v", err)
		}
	})
}
