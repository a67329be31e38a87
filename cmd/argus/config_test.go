package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
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
				if !reflect.DeepEqual(c, def) {
					t.Fatalf("got %+v, want defaults %+v", c, def)
				}
				if c.HTTPAddr != ":8088" || c.WSAddr != ":8188" || c.AdminAddr != "127.0.0.1:7088" ||
					c.AdminWSAddr != "127.0.0.1:7188" || c.AdminSecret != "janusoverlord" ||
					c.SessionTimeout != 60*time.Second || !c.LoopbackCandidates || c.StatsPeriod != time.Second {
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
			},
			check: func(t *testing.T, c config) {
				if c.HTTPAddr != "127.0.0.1:9000" || c.APISecret != "s3cr3t" || !c.TokenAuth ||
					c.SessionTimeout != 5*time.Second || c.LogLevel != slog.LevelDebug ||
					!reflect.DeepEqual(c.NAT1To1, []string{"1.2.3.4", "5.6.7.8"}) || c.LoopbackCandidates ||
					c.StatsPeriod != 250*time.Millisecond || c.ServerName != "edge-1" {
					t.Fatalf("env not applied: %+v", c)
				}
			},
		},
		{
			name: "flag overrides env",
			env:  map[string]string{"ARGUS_HTTP": "127.0.0.1:9000", "ARGUS_SESSION_TIMEOUT": "5", "ARGUS_STUN": "stun:a:1"},
			args: []string{"-http", "127.0.0.1:9001", "-session-timeout", "2m", "-stun", "stun:b:2"},
			check: func(t *testing.T, c config) {
				if c.HTTPAddr != "127.0.0.1:9001" || c.SessionTimeout != 2*time.Minute ||
					!reflect.DeepEqual(c.STUNServers, []string{"stun:b:2"}) {
					t.Fatalf("flags not applied over env: %+v", c)
				}
			},
		},
		{
			name: "sink options: env list, then flags replace it",
			env:  map[string]string{"ARGUS_SINK_OPT": "hep.capture_id=7; http.events=sessions,handles", "ARGUS_HEP": "udp://127.0.0.1:9060", "ARGUS_METRICS": "false"},
			args: []string{"-sink-opt", "hep.node_name=a", "-sink-opt", "hep.password=b", "-otel"},
			check: func(t *testing.T, c config) {
				if !reflect.DeepEqual(c.SinkOpts, []string{"hep.node_name=a", "hep.password=b"}) || c.HEP != "udp://127.0.0.1:9060" ||
					c.Metrics || !c.History || !c.OTel {
					t.Fatalf("got %+v", c)
				}
			},
		},
		{
			name: "sink options from env only",
			env:  map[string]string{"ARGUS_SINK_OPT": "hep.capture_id=7; http.events=sessions,handles"},
			check: func(t *testing.T, c config) {
				if !reflect.DeepEqual(c.SinkOpts, []string{"hep.capture_id=7", "http.events=sessions,handles"}) {
					t.Fatalf("got %q", c.SinkOpts)
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

func TestRunRefusesPublicAdminWithDefaultSecret(t *testing.T) {
	code := run(t.Context(), []string{"-admin", "0.0.0.0:7088"}, envMap(nil), io.Discard)
	if code != 2 {
		t.Fatalf("exit code %d, want 2", code)
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
	var out strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-http", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-admin", "127.0.0.1:0", "-admin-ws", "127.0.0.1:0"}, envMap(nil), &syncWriter{w: &out})
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

func TestRunPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code := run(t.Context(), []string{"-http", ln.Addr().String(), "-ws=", "-admin=", "-admin-ws="}, envMap(nil), io.Discard)
	if code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
}

// syncWriter serializes writes from the logger and reads by the test.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
