package websocket

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSplitFrame(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		bad  string // reason prefix; "" = no error
	}{
		{`{"a":1}`, []string{`{"a":1}`}, ""},
		{`{"a":1}{"b":2}`, []string{`{"a":1}`, `{"b":2}`}, ""},
		{" {\"a\":1}\n\t{\"b\":2} ", []string{`{"a":1}`, `{"b":2}`}, ""},
		{`  `, nil, ""},
		{`[1] 2`, []string{`[1]`, `2`}, ""},
		{`{"a":1} {bad}`, []string{`{"a":1}`}, "JSON error: on line 1: "},
		{"{\"a\":1}\n\n{", []string{`{"a":1}`}, "JSON error: on line 3: "},
		{`}`, nil, "JSON error: on line 1: "},
	}
	for _, tc := range tests {
		objs, bad := splitFrame([]byte(tc.in))
		got := make([]string, len(objs))
		for i, o := range objs {
			got[i] = string(o)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || !strings.HasPrefix(bad, tc.bad) || (tc.bad == "") != (bad == "") {
			t.Errorf("splitFrame(%q) = %q, %q; want %q, %q", tc.in, got, bad, tc.want, tc.bad)
		}
	}
}

// FuzzSplitFrame checks that every value returned is valid JSON, that an
// error comes with a Janus reason, and that re-joining the values of a clean
// frame splits back to the same values.
func FuzzSplitFrame(f *testing.F) {
	for _, s := range []string{`{"janus":"ping","transaction":"a"}`, `{}{}`, `{"a":[1,2,{"b":null}]} {"c":"\u00e9"}`, `{`, `"x"1`, ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, bad := splitFrame(data)
		for _, o := range objs {
			if !json.Valid(o) {
				t.Fatalf("invalid value %q", o)
			}
		}
		if bad != "" {
			if !strings.HasPrefix(bad, "JSON error: on line ") {
				t.Fatalf("reason %q", bad)
			}
			return
		}
		joined := bytes.Join(func() [][]byte {
			out := make([][]byte, len(objs))
			for i, o := range objs {
				out[i] = o
			}
			return out
		}(), []byte(" "))
		again, bad2 := splitFrame(joined)
		if bad2 != "" || len(again) != len(objs) {
			t.Fatalf("re-split of %q: %d values, %q", joined, len(again), bad2)
		}
		for i := range again {
			if !bytes.Equal(again[i], objs[i]) {
				t.Fatalf("value %d: %q != %q", i, again[i], objs[i])
			}
		}
	})
}
