package homer

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

func TestRegistered(t *testing.T) {
	found := false
	for _, n := range telemetry.RegisteredSinks() {
		found = found || n == SinkName
	}
	if !found {
		t.Fatalf("%q not in %v", SinkName, telemetry.RegisteredSinks())
	}
	s, err := telemetry.NewSink(SinkName, telemetry.SinkConfig{ServerName: "gw-1",
		Settings: map[string]string{"url": "udp://127.0.0.1:9060", "events": "all"}})
	if err != nil {
		t.Fatal(err)
	}
	if hs := s.(*Sink); hs.cfg.NodeName != "gw-1" {
		t.Fatalf("node name %q, want the server name", hs.cfg.NodeName)
	}
	const keys = "events=all capture_id=2001 password= node_name= correlation=session room_correlation=true server_addr= " +
		"dial_timeout=3000 write_timeout=2000 max_handles=65536 tls_ca_file= tls_server_name= tls_skip_verify=false"
	if got := telemetrytest.OptionList(SinkName); got != keys {
		t.Fatalf("documented options %q, want %q", got, keys)
	}
}

func TestFromSettings(t *testing.T) {
	s, err := FromSettings(telemetry.SinkConfig{ServerName: "gw", Settings: map[string]string{
		"url": "tls://127.0.0.1:9061", "capture_id": "77", "password": "pw", "node_name": "n1",
		"correlation": "opaque", "server_addr": "10.0.0.1:8088", "dial_timeout": "150", "write_timeout": "250",
		"max_handles": "10", "tls_server_name": "homer", "tls_skip_verify": "true", "enabled": "true",
	}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.(*Sink).cfg
	if c.CaptureID != 77 || c.Password != "pw" || c.NodeName != "n1" || c.Correlation != CorrelationOpaque ||
		c.ServerAddr != netip.MustParseAddrPort("10.0.0.1:8088") || c.DialTimeout != 150*time.Millisecond ||
		c.WriteTimeout != 250*time.Millisecond || c.MaxHandles != 10 || c.TLSConfig == nil ||
		c.TLSConfig.ServerName != "homer" || !c.TLSConfig.InsecureSkipVerify {
		t.Fatalf("config %+v", c)
	}
	for _, bad := range []map[string]string{
		{"url": "udp://127.0.0.1:9060", "nope": "1"},
		{"url": "udp://127.0.0.1:9060", "capture_id": "-1"},
		{"url": "udp://127.0.0.1:9060", "server_addr": "x"},
		{"url": "udp://127.0.0.1:9060", "tls_ca_file": "/nonexistent"},
	} {
		if _, err := FromSettings(telemetry.SinkConfig{Settings: bad}); !errors.Is(err, ErrBadSetting) {
			t.Errorf("%v: err %v, want ErrBadSetting", bad, err)
		}
	}
	// Janus's words for booleans are taken too, and strconv's single letters.
	s, err = FromSettings(telemetry.SinkConfig{Settings: map[string]string{
		"url": "udp://127.0.0.1:9060", "room_correlation": "off", "tls_skip_verify": "T",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c := s.(*Sink).cfg; !c.DisableRoomCorrelation || c.TLSConfig == nil || !c.TLSConfig.InsecureSkipVerify {
		t.Fatalf("config %+v", c)
	}
	if _, err := FromSettings(telemetry.SinkConfig{}); !errors.Is(err, ErrBadURL) {
		t.Errorf("no url: %v", err)
	}
}
