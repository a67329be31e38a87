package janusclient

import (
	"testing"
)

func TestDecodeBatch(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		fail bool
	}{
		{`[{"janus":"event","sender":9007199254740993}]`, 1, false},
		{`{"janus":"keepalive"}`, 1, false},
		{` [] `, 0, false},
		{`[{"janus":`, 0, true},
		{``, 0, true},
	} {
		got, err := decodeBatch([]byte(tc.in))
		if (err != nil) != tc.fail || len(got) != tc.n {
			t.Errorf("%q: %d messages, err %v", tc.in, len(got), err)
		}
	}
	m, _ := Decode([]byte(`{"janus":"event","sender":9007199254740993,"plugindata":{"data":{"id":5}}}`))
	if m.Uint("sender") != 9007199254740993 || m.Uint("plugindata", "data", "id") != 5 || m.Kind() != "event" {
		t.Fatalf("ids not exact: %v", m)
	}
	if !From(9007199254740993, "event")(m) || From(1, "event")(m) {
		t.Fatal("From")
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`[{"janus":"event"}]`))
	f.Add([]byte(`{"janus":"keepalive"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := decodeBatch(b)
		if err == nil {
			for _, m := range ms {
				_ = m.Kind()
				_ = m.Field("a", "b")
			}
		}
	})
}
