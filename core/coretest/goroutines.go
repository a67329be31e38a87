package coretest

import (
	"bytes"
	"runtime"
	"strings"
	"time"
)

// GoroutinesIn returns the stacks of the goroutines, other than the
// caller's, that run code of a package whose import path is one of pkgs
// (e.g. "github.com/argusrtc/argus/plugins/echotest"). A plugin test calls
// it after destroying every session: what it returns outlived its session.
func GoroutinesIn(pkgs ...string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := bytes.Split(buf, []byte("\n\n"))
	var out []string
	for _, st := range stacks[1:] { // the first is the caller's
		s := string(st)
		for _, p := range pkgs {
			if strings.Contains(s, p+".") {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// WaitGoroutinesGone polls GoroutinesIn until it is empty or timeout
// passes (pion ends its track readers shortly after a PeerConnection
// closes), and returns what is left.
func WaitGoroutinesGone(timeout time.Duration, pkgs ...string) []string {
	deadline := time.Now().Add(timeout)
	for {
		left := GoroutinesIn(pkgs...)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}
