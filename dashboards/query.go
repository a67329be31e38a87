package dashboards

import (
	"strconv"
	"strings"
)

// Query is one PromQL expression found in a dashboard or a rule file.
type Query struct {
	Source string // "argus-overview.json: panel 3 \"Sessions\" A" or "rule ArgusDown"
	Expr   string // as written, with Grafana variables
}

// Exprs lists every target expression of d.
func (d Dashboard) Exprs(file string) []Query {
	var out []Query
	for _, p := range d.AllPanels() {
		for _, t := range p.Targets {
			out = append(out, Query{
				Source: file + ": panel " + strconv.Itoa(p.ID) + " " + quote(p.Title) + " " + t.RefID,
				Expr:   t.Expr,
			})
		}
	}
	return out
}

// Substitute replaces Grafana's variables with concrete values so the
// expression can be sent to Prometheus's HTTP API: $__rate_interval,
// $__interval and $__range with the given durations and every dashboard
// variable in vars (e.g. "instance" → ".*").
func Substitute(expr, rateInterval, rng string, vars map[string]string) string {
	r := []string{
		"$__rate_interval", rateInterval,
		"${__rate_interval}", rateInterval,
		"$__interval", rateInterval,
		"${__interval}", rateInterval,
		"$__range", rng,
		"${__range}", rng,
	}
	for k, v := range vars {
		r = append(r, "${"+k+"}", v, "$"+k, v)
	}
	return strings.NewReplacer(r...).Replace(expr)
}

func quote(s string) string { return `"` + s + `"` }
