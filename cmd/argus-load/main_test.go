package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunBadArguments(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"bad cidr", []string{"-ice-net", "10.77.0.0"}, "-ice-net"},
		{"no sessions", []string{"-sessions", "0"}, "sessions 0"},
		{"bad scheme", []string{"-url", "ftp://x/"}, "url scheme"},
		{"bad mode", []string{"-mode", "sip"}, "mode \"sip\""},
		{"no subscribers", []string{"-mode", "videoroom", "-subscribers", "0"}, "subscribers 0"},
		{"bad loss", []string{"-loss", "100"}, "loss"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != 2 {
				t.Fatalf("exit code %d, want 2; stderr %s", code, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("stderr %q lacks %q", errb.String(), tc.want)
			}
			if out.Len() != 0 {
				t.Fatalf("stdout %q, want nothing", out.String())
			}
		})
	}
}
