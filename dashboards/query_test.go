package dashboards

import "testing"

func TestSubstitute(t *testing.T) {
	vars := map[string]string{"instance": ".*"}
	for _, tc := range []struct{ in, want string }{
		{`rate(x{instance=~"$instance"}[$__rate_interval])`, `rate(x{instance=~".*"}[1m])`},
		{`increase(x[$__range])`, `increase(x[5m])`},
		{`rate(x[${__interval}]) + y{i=~"${instance}"}`, `rate(x[1m]) + y{i=~".*"}`},
		{`up`, `up`},
	} {
		if got := Substitute(tc.in, "1m", "5m", vars); got != tc.want {
			t.Errorf("Substitute(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExprs(t *testing.T) {
	d := Dashboard{Panels: []Panel{
		{ID: 1, Type: "row", Title: "r", Panels: []Panel{{ID: 2, Title: "nested", Targets: []Target{{RefID: "A", Expr: "a"}}}}},
		{ID: 3, Title: "p", Targets: []Target{{RefID: "A", Expr: "b"}, {RefID: "B", Expr: "c"}}},
	}}
	got := d.Exprs("f.json")
	want := []Query{
		{Source: `f.json: panel 2 "nested" A`, Expr: "a"},
		{Source: `f.json: panel 3 "p" A`, Expr: "b"},
		{Source: `f.json: panel 3 "p" B`, Expr: "c"},
	}
	if len(got) != len(want) {
		t.Fatalf("Exprs = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Exprs[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
