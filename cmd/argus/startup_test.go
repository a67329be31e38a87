package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// argusBinary builds cmd/argus once per test binary run.
func argusBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "argus")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs the binary to completion and returns its exit code and output.
func runBinary(t *testing.T, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("%s %v: %v", bin, args, err)
	return 0, ""
}

// The binary as a user meets it: -help, configuration errors, the start-up log.
func TestBinaryStartup(t *testing.T) {
	bin := argusBinary(t)
	loop := []string{"-http", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-admin", "127.0.0.1:0", "-admin-ws", "127.0.0.1:0"}

	t.Run("help", func(t *testing.T) {
		code, out := runBinary(t, bin, nil, "-help")
		if code != 0 {
			t.Fatalf("exit %d, want 0:\n%s", code, out)
		}
		for _, want := range []string{"ARGUS_RTP_PORT_RANGE", "Precedence: built-in", "ARGUS_* variable < command-line flag", "-rtp-port-range", "OTEL_", "status 2"} {
			if !strings.Contains(out, want) {
				t.Errorf("-help lacks %q:\n%s", want, out)
			}
		}
	})

	// Every configuration error: exit 2, one line naming the flag (or
	// variable), printed once, no log record.
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		wants string
	}{
		{"hep scheme", nil, []string{"-hep", "http://x"}, "-hep: "},
		{"sink-opt for a sink that is off", nil, []string{"-sink-opt", "http.events=all"}, "-sink-opt"},
		{"unknown sink-opt key", nil, []string{"-sink-opt", "hep.nope=1", "-hep", "udp://127.0.0.1:9060"}, "hep"},
		{"unknown flag", nil, []string{"-nope"}, "-nope"},
		{"bad level", nil, []string{"-log-level", "loud"}, "-log-level"},
		{"bad port range", nil, []string{"-rtp-port-range", "5-1"}, "-rtp-port-range"},
		{"bad variable", []string{"ARGUS_SESSION_TIMEOUT=soon"}, nil, "ARGUS_SESSION_TIMEOUT"},
		{"negative slowlink", nil, []string{"-slowlink-threshold", "-1"}, "-slowlink-threshold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runBinary(t, bin, tc.env, append(append([]string{}, loop...), tc.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", code, out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "argus: ") || !strings.Contains(lines[0], tc.wants) {
				t.Fatalf("output %q: want one line \"argus: …\" naming %q", out, tc.wants)
			}
		})
	}

	t.Run("start-up log", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, loop...)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var log []string
		sc := bufio.NewScanner(stderr)
		want := map[string]*regexp.Regexp{
			"version and sinks": regexp.MustCompile(`msg="argus starting" version=\d+\.\d+\.\d+ server_name=Argus sinks=prom,prom-videoroom,history`),
			"demos":             regexp.MustCompile(`listener=http what=demos url=http://127\.0\.0\.1:\d+/$`),
			"janus http":        regexp.MustCompile(`listener=http what="janus api" url=http://127\.0\.0\.1:\d+/janus$`),
			"janus ws":          regexp.MustCompile(`listener=ws what="janus api" url=ws://127\.0\.0\.1:\d+/$`),
			"admin":             regexp.MustCompile(`listener=admin what="admin api" url=http://127\.0\.0\.1:\d+/admin$`),
			"metrics":           regexp.MustCompile(`listener=admin what=metrics url=http://127\.0\.0\.1:\d+/metrics$`),
			"console":           regexp.MustCompile(`listener=admin what=console url=http://127\.0\.0\.1:\d+/console/$`),
			"admin ws":          regexp.MustCompile(`listener=admin-ws what="admin api" url=ws://127\.0\.0\.1:\d+/$`),
		}
		found := map[string]bool{}
		for len(found) < len(want) && sc.Scan() {
			line := sc.Text()
			log = append(log, line)
			for name, re := range want {
				if re.MatchString(line) {
					found[name] = true
				}
			}
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		go func() {
			for sc.Scan() { // drain until exit
			}
		}()
		err = cmd.Wait()
		for name := range want {
			if !found[name] {
				t.Errorf("start-up log lacks %s (%s):\n%s", name, want[name], strings.Join(log, "\n"))
			}
		}
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	})
}
