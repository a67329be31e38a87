package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfigPrecedence(t *testing.T) {
	def := defaultConfig()
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(t *testing.T, c config)
	}{
		{
			name: "defaults are Janus's",
			check: func(t *testing.T, c config) {
				c.transports = nil // flag bindings, not values
				if !reflect.DeepEqual(c, def) {
					t.Fatalf("got %+v, want defaults %+v", c, def)
				}
				if c.HTTPAddr != ":8088" || c.WSAddr != ":8188" || c.AdminAddr != "127.0.0.1:7088" ||
					c.AdminWSAddr != "127.0.0.1:7188" || c.AdminSecret != "janusoverlord" ||
					c.SessionTimeout != 60*time.Second || !c.LoopbackCandidates || c.StatsPeriod != time.Second ||
					c.RTPPortRange != (portRange{}) || c.NoMediaTimer != time.Second || c.SlowlinkThreshold != 0 || c.IPv6 {
					t.Fatalf("unexpected defaults %+v", c)
				}
			},
		},
		{
			name: "env overrides default",
			env: map[string]string{
				"ARGUS_HTTP": "127.0.0.1:9000", "ARGUS_API_SECRET": "s3cr3t", "ARGUS_TOKEN_AUTH": "true",
				"ARGUS_SESSION_TIMEOUT": "5", "ARGUS_LOG_LEVEL": "debug", "ARGUS_NAT_1_1": "1.2.3.4, 5.6.7.8",
				"ARGUS_LOOPBACK_CANDIDATES": "false", "ARGUS_STATS_PERIOD": "250ms", "ARGUS_SERVER_NAME": "edge-1",
				"ARGUS_RTP_PORT_RANGE": "20000-20100", "ARGUS_NO_MEDIA_TIMER": "3", "ARGUS_SLOWLINK_THRESHOLD": "4",
				"ARGUS_IPV6": "true",
			},
			check: func(t *testing.T, c config) {
				if c.HTTPAddr != "127.0.0.1:9000" || c.APISecret != "s3cr3t" || !c.TokenAuth ||
					c.SessionTimeout != 5*time.Second || c.LogLevel != slog.LevelDebug ||
					!reflect.DeepEqual(c.NAT1To1, []string{"1.2.3.4", "5.6.7.8"}) || c.LoopbackCandidates ||
					c.StatsPeriod != 250*time.Millisecond || c.ServerName != "edge-1" ||
					c.RTPPortRange != (portRange{Min: 20000, Max: 20100}) || c.NoMediaTimer != 3*time.Second || c.SlowlinkThreshold != 4 ||
					!c.IPv6 {
					t.Fatalf("env not applied: %+v", c)
				}
			},
		},
		{
			name: "flag overrides env",
			env: map[string]string{"ARGUS_HTTP": "127.0.0.1:9000", "ARGUS_SESSION_TIMEOUT": "5", "ARGUS_STUN": "stun:a:1",
				"ARGUS_RTP_PORT_RANGE": "20000-20100", "ARGUS_NO_MEDIA_TIMER": "3", "ARGUS_SLOWLINK_THRESHOLD": "4"},
			args: []string{"-http", "127.0.0.1:9001", "-session-timeout", "2m", "-stun", "stun:b:2",
				"-rtp-port-range", "40000-40009", "-no-media-timer", "1500ms", "-slowlink-threshold", "0"},
			check: func(t *testing.T, c config) {
				if c.HTTPAddr != "127.0.0.1:9001" || c.SessionTimeout != 2*time.Minute ||
					!reflect.DeepEqual(c.STUNServers, []string{"stun:b:2"}) ||
					c.RTPPortRange != (portRange{Min: 40000, Max: 40009}) || c.NoMediaTimer != 1500*time.Millisecond || c.SlowlinkThreshold != 0 {
					t.Fatalf("flags not applied over env: %+v", c)
				}
			},
		},
		{
			name: "sink options: env list, then flags replace it",
			env:  map[string]string{"ARGUS_SINK_OPT": "hep.capture_id=7; http.events=sessions,handles", "ARGUS_HEP": "udp://127.0.0.1:9060", "ARGUS_METRICS": "false"},
			args: []string{"-sink-opt", "hep.node_name=a", "-sink-opt", "hep.password=b", "-otel"},
			check: func(t *testing.T, c config) {
				if !reflect.DeepEqual(c.SinkOpts, []string{"hep.node_name=a", "hep.password=b"}) || c.Sinks["hep"] != "udp://127.0.0.1:9060" ||
					c.metricsEnabled() || c.Sinks["history"] != "true" || c.Sinks["otel"] != "true" {
					t.Fatalf("got %+v", c)
				}
			},
		},
		{
			name: "sink options from env only",
			env: map[string]string{"ARGUS_SINK_OPT": "hep.capture_id=7; http.events=sessions,handles",
				"ARGUS_HEP": "udp://127.0.0.1:9060", "ARGUS_EVENT_HTTP": "http://127.0.0.1:1/"},
			check: func(t *testing.T, c config) {
				if !reflect.DeepEqual(c.SinkOpts, []string{"hep.capture_id=7", "http.events=sessions,handles"}) {
					t.Fatalf("got %q", c.SinkOpts)
				}
			},
		},
		{
			name: "empty flag clears the env's port range",
			env:  map[string]string{"ARGUS_RTP_PORT_RANGE": "20000-20100"},
			args: []string{"-rtp-port-range="},
			check: func(t *testing.T, c config) {
				if c.RTPPortRange != (portRange{}) {
					t.Fatalf("range not cleared: %+v", c.RTPPortRange)
				}
			},
		},
		{
			name: "empty address disables a listener",
			args: []string{"-ws=", "-admin-ws", ""},
			check: func(t *testing.T, c config) {
				if c.WSAddr != "" || c.AdminWSAddr != "" {
					t.Fatalf("listeners not disabled: %+v", c)
				}
			},
		},
		{
			name: "custom admin secret allows a public admin address",
			env:  map[string]string{"ARGUS_ADMIN_SECRET": "long-random"},
			args: []string{"-admin", ":7088", "-admin-ws", "0.0.0.0:7188"},
			check: func(t *testing.T, c config) {
				if c.AdminAddr != ":7088" || c.AdminSecret != "long-random" {
					t.Fatalf("got %+v", c)
				}
			},
		},
		{
			name: "default secret on localhost and ::1 is fine",
			args: []string{"-admin", "localhost:7088", "-admin-ws", "[::1]:7188"},
			check: func(t *testing.T, c config) {
				if c.AdminAddr != "localhost:7088" || c.AdminWSAddr != "[::1]:7188" {
					t.Fatalf("got %+v", c)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, envMap(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("parseConfig: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr error // nil: any error
	}{
		{name: "default secret on all interfaces", args: []string{"-admin", ":7088"}, wantErr: errDefaultAdminSecret},
		{name: "default secret on public admin ws", args: []string{"-admin-ws", "0.0.0.0:7188"}, wantErr: errDefaultAdminSecret},
		{name: "default secret via env address", env: map[string]string{"ARGUS_ADMIN": "192.0.2.1:7088"}, wantErr: errDefaultAdminSecret},
		{name: "explicit default secret still refused", args: []string{"-admin", "0.0.0.0:7088", "-admin-secret", "janusoverlord"}, wantErr: errDefaultAdminSecret},
		{name: "bad env value", env: map[string]string{"ARGUS_TOKEN_AUTH": "maybe"}, wantErr: errBadEnv},
		{name: "bad env duration", env: map[string]string{"ARGUS_SESSION_TIMEOUT": "soon"}, wantErr: errBadEnv},
		{name: "bad log level", args: []string{"-log-level", "loud"}},
		{name: "unknown flag", args: []string{"-nope"}},
		{name: "stray argument", args: []string{"extra"}},
		{name: "address without port", args: []string{"-http", "localhost"}},
		{name: "empty admin secret", args: []string{"-admin-secret", ""}},
		{name: "bad port range in env", env: map[string]string{"ARGUS_RTP_PORT_RANGE": "20000"}, wantErr: errBadPortRange},
		{name: "ice-udp-port out of range", args: []string{"-ice-udp-port", "65536"}, wantErr: errBadPortRange},
		{name: "negative ice-udp-port", args: []string{"-ice-udp-port", "-1"}, wantErr: errBadPortRange},
		{name: "ice-udp-port with rtp-port-range", args: []string{"-ice-udp-port", "20000", "-rtp-port-range", "30000-30100"}, wantErr: errBadPortRange},
		{name: "ice-udp-port without the shared port", args: []string{"-ice-udp-port", "20000", "-ice-udp-shared=false"}, wantErr: errBadPortRange},
		{name: "ice-udp-port in env without the shared port", env: map[string]string{"ARGUS_ICE_UDP_PORT": "20000", "ARGUS_ICE_UDP_SHARED": "false"}, wantErr: errBadPortRange},
		{name: "zero no-media timer", args: []string{"-no-media-timer", "0"}, wantErr: errBadMediaSetting},
		{name: "negative no-media timer", args: []string{"-no-media-timer", "-2s"}, wantErr: errBadMediaSetting},
		{name: "negative slowlink threshold", args: []string{"-slowlink-threshold", "-1"}, wantErr: errBadMediaSetting},
		{name: "non-numeric slowlink threshold", args: []string{"-slowlink-threshold", "many"}},
		{name: "nat-1-1 not an address", args: []string{"-nat-1-1", "public.example"}, wantErr: webrtc.ErrNATConfig},
		{name: "nat-1-1 bad local part in env", env: map[string]string{"ARGUS_NAT_1_1": "192.0.2.7/eth0"}, wantErr: webrtc.ErrNATConfig},
		{name: "ice-lite with stun", args: []string{"-ice-lite", "-stun", "stun:192.0.2.1:3478"}, wantErr: webrtc.ErrICELiteConfig},
		{name: "ice-lite in env with stun", env: map[string]string{"ARGUS_ICE_LITE": "true", "ARGUS_STUN": "stun:192.0.2.1:3478"}, wantErr: webrtc.ErrICELiteConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, envMap(tt.env), io.Discard)
			if err == nil {
				t.Fatal("want an error, got nil")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:7088", true},
		{"127.3.4.5:1", true},
		{"[::1]:7088", true},
		{"localhost:7088", true},
		{":7088", false},
		{"0.0.0.0:7088", false},
		{"[::]:7088", false},
		{"192.0.2.1:7088", false},
		{"example.com:7088", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		if got := isLoopback(tt.addr); got != tt.want {
			t.Errorf("isLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestParseSinkOpts(t *testing.T) {
	got, err := parseSinkOpts([]string{"hep.capture_id=7", "hep.password=a=b", "http.events=sessions,handles"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"hep":  {"capture_id": "7", "password": "a=b"},
		"http": {"events": "sessions,handles"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"nodot=1", "hep.key", ".key=v", "hep.=v"} {
		if _, err := parseSinkOpts([]string{bad}); !errors.Is(err, errSinkSetting) {
			t.Errorf("parseSinkOpts(%q) = %v, want errSinkSetting", bad, err)
		}
	}
}

func TestRunCleanShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var out coretest.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-http", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-admin", "127.0.0.1:0", "-admin-ws", "127.0.0.1:0"}, envMap(nil), &out)
	}()
	cancel() // as SIGTERM would
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d, want 0; output:\n%s", code, out.String())
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
}

// TestRunRefuses: run stops with exit code 2 for a public Admin API left
// with the default secret and 1 for a listen address already taken.
func TestRunRefuses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"public admin with the default secret", []string{"-admin", "0.0.0.0:7088"}, 2},
		{"port in use", []string{"-http", ln.Addr().String(), "-ws=", "-admin=", "-admin-ws="}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code := run(t.Context(), tc.args, envMap(nil), io.Discard); code != tc.want {
				t.Fatalf("exit code %d, want %d", code, tc.want)
			}
		})
	}
}

func TestPortRangeSet(t *testing.T) {
	tests := []struct {
		in      string
		want    portRange
		wantErr bool
	}{
		{in: "", want: portRange{}},
		{in: "20000-20100", want: portRange{Min: 20000, Max: 20100}},
		{in: " 20000 - 20100 ", want: portRange{Min: 20000, Max: 20100}},
		{in: "5000-5000", want: portRange{Min: 5000, Max: 5000}},
		{in: "1-65535", want: portRange{Min: 1, Max: 65535}},
		{in: "20000", wantErr: true},
		{in: "20000-", wantErr: true},
		{in: "-20100", wantErr: true},
		{in: "20100-20000", wantErr: true},
		{in: "0-100", wantErr: true},
		{in: "0-0", wantErr: true},
		{in: "1-65536", wantErr: true},
		{in: "a-b", wantErr: true},
		{in: "20000:20100", wantErr: true},
		{in: "20000-20100-20200", wantErr: true},
		{in: "-1-100", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r := portRange{Min: 7, Max: 8} // Set replaces whatever was there
			err := r.Set(tt.in)
			if tt.wantErr {
				if !errors.Is(err, errBadPortRange) {
					t.Fatalf("Set(%q) = %v, want errBadPortRange", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Set(%q): %v", tt.in, err)
			}
			if r != tt.want {
				t.Fatalf("Set(%q) = %+v, want %+v", tt.in, r, tt.want)
			}
			if tt.in != "" && r.String() != fmt.Sprintf("%d-%d", tt.want.Min, tt.want.Max) {
				t.Fatalf("String() = %q", r.String())
			}
		})
	}
}

// TestEngineConfig checks that the media flags reach the WebRTC engine.
func TestEngineConfig(t *testing.T) {
	c, err := parseConfig([]string{"-rtp-port-range", "20000-20100", "-no-media-timer", "5", "-slowlink-threshold", "8",
		"-stats-period", "2s", "-nat-1-1", "192.0.2.7", "-loopback-candidates=false", "-server-name", "edge", "-ipv6",
		"-ice-enforce-list", "eth0, 192.168.", "-ice-ignore-list", "", "-keep-private-host", "-ice-lite"}, envMap(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := engineConfig(c, nil, slog.New(slog.DiscardHandler))
	if got.ICEPortMin != 20000 || got.ICEPortMax != 20100 || got.NoMediaTimer != 5*time.Second || got.SlowlinkThreshold != 8 ||
		got.StatsPeriod != 2*time.Second || !reflect.DeepEqual(got.NAT1To1IPs, []string{"192.0.2.7"}) || got.IncludeLoopback ||
		got.ServerName != "edge" || !got.IPv6 || !reflect.DeepEqual(got.ICEEnforceList, []string{"eth0", "192.168."}) || got.ICEIgnoreList != nil ||
		!got.KeepPrivateHost || !got.ICELite || got.SharedUDP {
		t.Fatalf("engineConfig = %+v", got)
	}
	if d := engineConfig(defaultConfig(), nil, slog.New(slog.DiscardHandler)); d.ICEPortMin != 0 || d.ICEPortMax != 0 || d.NoMediaTimer != time.Second || d.SlowlinkThreshold != 0 || d.IPv6 ||
		d.ICEEnforceList != nil || !reflect.DeepEqual(d.ICEIgnoreList, []string{"vmnet"}) || d.KeepPrivateHost || d.ICELite ||
		!d.SharedUDP || d.ICEUDPPort != 0 {
		t.Fatalf("defaults: engineConfig = %+v", d)
	}
	// Where the ICE UDP sockets come from: the shared port by default, a
	// socket per PeerConnection when asked or with Janus's rtp_port_range.
	for _, tc := range []struct {
		args   []string
		env    map[string]string
		shared bool
		port   uint16
	}{
		{args: nil, shared: true},
		{args: []string{"-ice-udp-port", "20000"}, shared: true, port: 20000},
		{args: []string{"-ice-udp-shared=false"}},
		{env: map[string]string{"ARGUS_ICE_UDP_SHARED": "false"}},
		{args: []string{"-rtp-port-range", "20000-20100"}},
		{env: map[string]string{"ARGUS_RTP_PORT_RANGE": "20000-20100"}},
	} {
		c, err := parseConfig(tc.args, envMap(tc.env), io.Discard)
		if err != nil {
			t.Fatalf("%v %v: %v", tc.args, tc.env, err)
		}
		if e := engineConfig(c, nil, slog.New(slog.DiscardHandler)); e.SharedUDP != tc.shared || e.ICEUDPPort != tc.port {
			t.Errorf("%v %v: SharedUDP %v, ICEUDPPort %d; want %v, %d", tc.args, tc.env, e.SharedUDP, e.ICEUDPPort, tc.shared, tc.port)
		}
	}
	env, err := parseConfig(nil, envMap(map[string]string{"ARGUS_KEEP_PRIVATE_HOST": "true", "ARGUS_ICE_LITE": "true"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if e := engineConfig(env, nil, slog.New(slog.DiscardHandler)); !e.KeepPrivateHost || !e.ICELite {
		t.Fatalf("from the environment: engineConfig = %+v", e)
	}
}
