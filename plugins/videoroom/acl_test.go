package videoroom

import (
	"fmt"
	"reflect"
	"testing"
)

// TestAllowedACL: the token list and the check are apart, as in Janus
// 1.1.2 (test/janusref): add and remove edit the list without turning the
// check on, disable keeps the list, every answer but disable's carries the
// list ([] when empty), add without a list is a no-op, and only a room
// created with a list or enabled checks joins.
func TestAllowedACL(t *testing.T) {
	f := newFixture(t, `{"admin_key":"ak","rooms":[{"room":7,"secret":"s"},{"room":8,"allowed":["t8"]}]}`)
	_, admin := f.handle()
	join := func(room int, token string) any {
		h, s := f.handle()
		body := fmt.Sprintf(`{"request":"join","ptype":"publisher","room":%d`, room)
		if token != "" {
			body += fmt.Sprintf(`,"token":%q`, token)
		}
		d := roundTrip(f.async(h, s, body+"}", nil).Data)
		if d["videoroom"] == "joined" {
			return "joined"
		}
		return d["error_code"]
	}
	steps := []struct {
		action, list string
		allowed      any // the answer's "allowed" (nil: absent)
		joinNone     any // a join without a token then
		joinToken    any // a join with token "tok"
	}{
		{"add", `["tok"]`, []any{"tok"}, "joined", "joined"},
		{"remove", `["tok"]`, []any{}, "joined", "joined"},
		{"enable", ``, []any{}, 433, 433},
		{"add", `["tok","x"]`, []any{"tok", "x"}, 433, "joined"},
		{"disable", ``, nil, "joined", "joined"},
		{"add", ``, []any{"tok", "x"}, "joined", "joined"},
		{"enable", ``, []any{"tok", "x"}, 433, "joined"},
		// An empty token in the list does not let a join without one in.
		{"add", `[""]`, []any{"", "tok", "x"}, 433, "joined"},
	}
	for i, st := range steps {
		body := fmt.Sprintf(`{"request":"allowed","room":7,"secret":"s","action":%q`, st.action)
		if st.list != "" {
			body += `,"allowed":` + st.list
		}
		got := f.sync(admin, body+"}")
		if got["videoroom"] != "success" || !reflect.DeepEqual(got["allowed"], st.allowed) {
			t.Errorf("step %d %s %s: answer %v, want allowed %#v", i, st.action, st.list, got, st.allowed)
		}
		if j := join(7, ""); !reflect.DeepEqual(j, toFloat(st.joinNone)) {
			t.Errorf("step %d %s: join without token: %v, want %v", i, st.action, j, st.joinNone)
		}
		if j := join(7, "tok"); !reflect.DeepEqual(j, toFloat(st.joinToken)) {
			t.Errorf("step %d %s: join with token: %v, want %v", i, st.action, j, st.joinToken)
		}
	}
	if j := join(8, ""); j != 433.0 {
		t.Errorf("room created with a list: join without token: %v, want 433", j)
	}
	if j := join(8, "t8"); j != "joined" {
		t.Errorf("room created with a list: join with its token: %v", j)
	}
}

// toFloat turns an int error code into the float64 a decoded answer holds.
func toFloat(v any) any {
	if n, ok := v.(int); ok {
		return float64(n)
	}
	return v
}
