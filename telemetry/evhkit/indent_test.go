package evhkit

import (
	"bytes"
	"encoding/json"
	"testing"
)

// indentCases are compact JSON documents (json.Marshal's output) with what
// json.Indent treats specially: empty and nested containers, brackets,
// colons, commas and escaped quotes and backslashes inside strings.
var indentCases = []string{
	`{}`,
	`[]`,
	`"x"`,
	`17`,
	`{"a":{}}`,
	`{"a":[],"b":[{}],"c":[[],[1]]}`,
	`{"a":"x:,\"y","b":[1,2]}`,
	`{"k\\":"\\","l":"\\\"}{][","m":"\u003c\u003e\u0026é"}`,
	`[{"emitter":"argus","type":32,"subtype":3,"timestamp":1,"session_id":2,"handle_id":3,"opaque_id":"","event":{"mid":"0","rtt":0.25,"codec":null}}]`,
	`[null,true,false,-1.5e-7,{"a":[{"b":{"c":[]}}]}]`,
}

func TestIndentIsJSONIndent(t *testing.T) {
	for _, in := range indentCases {
		t.Run(in, func(t *testing.T) {
			checkIndent(t, []byte(in))
		})
	}
}

func checkIndent(t *testing.T, in []byte) {
	t.Helper()
	var want bytes.Buffer
	if err := json.Indent(&want, in, "", indentUnit); err != nil {
		t.Fatalf("json.Indent(%s): %v", in, err)
	}
	if got := indent(in); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("indent(%s) =\n%s\nwant\n%s", in, got, want.Bytes())
	}
}

// FuzzIndent: for any valid compact JSON, indent gives json.Indent's bytes.
func FuzzIndent(f *testing.F) {
	for _, in := range indentCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var compact bytes.Buffer
		if json.Compact(&compact, in) != nil || !bytes.Equal(compact.Bytes(), in) {
			return // not compact JSON: Layout's callers never pass it
		}
		checkIndent(t, in)
	})
}
