package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
)

// promServer is a real prometheus binary on 127.0.0.1 with a temporary
// TSDB, scraping one target every second and evaluating the alert rules.
type promServer struct {
	base string // http://127.0.0.1:port
	log  *bytes.Buffer
}

// startPrometheus writes a config (job "argus", 1 s scrape and evaluation,
// the repository's rule files) and runs prometheus until the test ends.
func startPrometheus(t *testing.T, target string, rules []string) *promServer {
	t.Helper()
	bin := tool(t, "prometheus", "prometheus")
	dir := t.TempDir()
	var abs []string
	for _, r := range rules {
		a, err := filepath.Abs(r)
		if err != nil {
			t.Fatal(err)
		}
		abs = append(abs, fmt.Sprintf("%q", a))
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%s]
scrape_configs:
  - job_name: argus
    static_configs:
      - targets: [%q]
`, strings.Join(abs, ", "), target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := testkit.DeadAddr(t, "tcp") // free a moment ago: Prometheus listens there
	ctx, cancel := context.WithCancel(context.Background())
	p := &promServer{base: "http://" + addr, log: &bytes.Buffer{}}
	cmd := exec.CommandContext(ctx, bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--enable-feature=exemplar-storage",
		"--log.level=warn",
	)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("prometheus log:\n%s", p.log.String())
		}
	})
	testkit.ServerUp(t, "prometheus", p.base+"/-/ready", 30*time.Second, exited, p.log.String)
	return p
}

// apiResponse is Prometheus's HTTP API envelope.
type apiResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

// get calls an API path and decodes the envelope; an error status is an error.
func (p *promServer) get(ctx context.Context, path string, q url.Values) (json.RawMessage, error) {
	req, err := nethttp.NewRequestWithContext(ctx, nethttp.MethodGet, p.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	res, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d: %s", path, res.StatusCode, b)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s: %s", path, r.ErrorType, r.Error)
	}
	return r.Data, nil
}

// sample is one instant-vector element.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query runs an instant query and returns its vector (or scalar as one
// sample).
func (p *promServer) query(ctx context.Context, expr string) ([]sample, error) {
	data, err := p.get(ctx, "/api/v1/query", url.Values{"query": {expr}})
	if err != nil {
		return nil, err
	}
	var r struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	switch r.ResultType {
	case "vector":
		var v []sample
		err := json.Unmarshal(r.Result, &v)
		return v, err
	case "scalar":
		var s [2]any
		if err := json.Unmarshal(r.Result, &s); err != nil {
			return nil, err
		}
		return []sample{{Value: s}}, nil
	}
	return nil, fmt.Errorf("unexpected result type %q", r.ResultType)
}

// value is a sample's value as Prometheus printed it ("NaN", "1.5"...).
func (s sample) value() string { v, _ := s.Value[1].(string); return v }

// waitFor polls expr until ok accepts its result or ctx ends.
func (p *promServer) waitFor(ctx context.Context, expr string, ok func([]sample) bool) error {
	for {
		v, err := p.query(ctx, expr)
		if err == nil && ok(v) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s (last %v): %w", expr, v, errors.Join(err, ctx.Err()))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ruleState is one alerting rule as /api/v1/rules reports it.
type ruleState struct {
	Name           string    `json:"name"`
	Query          string    `json:"query"`
	Health         string    `json:"health"`
	LastError      string    `json:"lastError"`
	LastEvaluation time.Time `json:"lastEvaluation"`
}

// ruleHealth waits until want rules were each evaluated at least once and
// returns them; a rule whose evaluation failed is an error.
func (p *promServer) ruleHealth(ctx context.Context, want int) ([]ruleState, error) {
	for {
		data, err := p.get(ctx, "/api/v1/rules", url.Values{"type": {"alert"}})
		if err != nil {
			return nil, err
		}
		var r struct {
			Groups []struct {
				Rules []ruleState `json:"rules"`
			} `json:"groups"`
		}
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, err
		}
		var all []ruleState
		evaluated := 0
		for _, g := range r.Groups {
			for _, rs := range g.Rules {
				if rs.Health == "err" || rs.LastError != "" {
					return nil, fmt.Errorf("rule %s: evaluation error: %s", rs.Name, rs.LastError)
				}
				if !rs.LastEvaluation.IsZero() && rs.Health == "ok" {
					evaluated++
				}
				all = append(all, rs)
			}
		}
		if len(all) != want && len(all) > 0 {
			return nil, fmt.Errorf("prometheus loaded %d alert rules, the files have %d", len(all), want)
		}
		if evaluated == want && want > 0 {
			return all, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%d of %d rules evaluated: %w", evaluated, want, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
