package rabbitmq

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
)

// TestTLSVerify: the client configuration against a server whose
// certificate names 127.0.0.1 and localhost, dialled as another name:
// ssl_verify_hostname=false accepts it when the CA vouches for it, and
// only then; ssl_verify_peer=false accepts anything.
func TestTLSVerify(t *testing.T) {
	cert, other := evhtest.SelfSigned(t), evhtest.SelfSigned(t)
	serverTLS := cert.ServerTLS(t)
	for _, tc := range []struct {
		name    string
		tls     TLS
		wantErr string // "" = handshake succeeds
	}{
		{"right CA, name checked", TLS{TLS: evhkit.TLS{CAFile: cert.CertFile}}, "not broker.example"},
		{"right CA, name not checked", TLS{TLS: evhkit.TLS{CAFile: cert.CertFile}, SkipHostname: true}, ""},
		{"wrong CA, name not checked", TLS{TLS: evhkit.TLS{CAFile: other.CertFile}, SkipHostname: true}, "unknown authority"},
		{"no verification", TLS{TLS: evhkit.TLS{CAFile: other.CertFile, SkipVerify: true}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := tc.tls.Config()
			if err != nil {
				t.Fatal(err)
			}
			cfg.ServerName = "broker.example" // as amqp091 sets the URL's host
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			done := make(chan error, 1)
			go func() { // ends with the client's connection
				s, err := ln.Accept()
				if err != nil {
					done <- err
					return
				}
				defer s.Close()
				_ = s.SetDeadline(time.Now().Add(10 * time.Second))
				done <- tls.Server(s, serverTLS).Handshake()
			}()
			c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			err = tls.Client(c, cfg).Handshake()
			_ = c.Close()
			if serr := <-done; serr != nil && tc.wantErr == "" {
				t.Errorf("server side of the handshake: %v", serr)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("handshake: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("handshake error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
