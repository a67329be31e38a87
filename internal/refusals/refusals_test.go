package refusals

import (
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCountersExportEveryLimitFromZero(t *testing.T) {
	c := New("a", "b")
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Refused("a", 2)
				c.Refused("unknown", 1)
				c.Refused("b", 0)
			}
		})
	}
	wg.Wait()
	want := `
# HELP argus_limit_refused_total Requests, items and connections refused or dropped by a limit (docs/SECURITY.md), by limit.
# TYPE argus_limit_refused_total counter
argus_limit_refused_total{limit="a"} 1600
argus_limit_refused_total{limit="b"} 0
argus_limit_refused_total{limit="other"} 800
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "argus_limit_refused_total"); err != nil {
		t.Fatal(err)
	}
	var nilC *Counters
	nilC.Refused("a", 1) // a nil Counters counts nothing, without panicking
}
