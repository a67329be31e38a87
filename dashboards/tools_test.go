package dashboards

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// tool returns the path of a binary the test script installs; a missing
// binary fails the test (it is a CI dependency, not an optional one).
func tool(t *testing.T, name, debPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found (install the Debian package %q; scripts/test.sh does): %v", name, debPackage, err)
	}
	return p
}

// run runs a tool with a timeout and returns its combined output.
func run(t *testing.T, env []string, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func TestPromtoolCheckConfig(t *testing.T) {
	promtool := tool(t, "promtool", "prometheus")
	out, err := run(t, nil, promtool, "check", "config", promConfig)
	if err != nil {
		t.Fatalf("promtool check config %s: %v\n%s", promConfig, err, out)
	}
	t.Log(out)
}

func TestPromtoolCheckRules(t *testing.T) {
	promtool := tool(t, "promtool", "prometheus")
	files := ruleFiles(t)
	out, err := run(t, nil, promtool, append([]string{"check", "rules"}, files...)...)
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	t.Log(out)
}

// The alert rules fire on their conditions and stay quiet without them
// (promtool unit tests over synthetic series).
func TestPromtoolTestRules(t *testing.T) {
	promtool := tool(t, "promtool", "prometheus")
	out, err := run(t, nil, promtool, "test", "rules", "prometheus/tests/argus_rules_test.yml")
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	t.Log(out)
}
