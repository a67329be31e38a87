package janusref

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// valuePaths are the fields whose values the flow fixes (states, reasons,
// names, rooms, bitrates, mids, codecs): their value sets are compared,
// not only their types. Ids, addresses, timestamps and counters are not.
var valuePaths = map[string]bool{
	"emitter": true, "opaque_id": true,
	"event.name": true, "event.opaque_id": true, "event.owner": true, "event.jsep.type": true,
	"event.ice": true, "event.dtls": true, "event.connection": true, "event.reason": true,
	"event.stream_id": true, "event.component_id": true,
	"event.media": true, "event.mid": true, "event.mindex": true, "event.codec": true, "event.base": true,
	"event.receiving": true, "event.slow_link": true, "event.status": true, "event.plugin": true,
	"event.transport.transport":   true,
	"event.candidates.local.type": true, "event.candidates.local.transport": true, "event.candidates.local.family": true,
	"event.candidates.remote.type": true, "event.candidates.remote.transport": true, "event.candidates.remote.family": true,
	"event.data.event": true, "event.data.videoroom": true, "event.data.result": true, "event.data.room": true,
	"event.data.bitrate": true, "event.data.display": true, "event.data.mid": true, "event.data.audio-level-dBov-avg": true,
	"event.data.audio_active": true, "event.data.video_active": true, "event.data.admin_api": true,
	"event.data.streams[].type": true, "event.data.streams[].mid": true, "event.data.streams[].mindex": true,
	"event.data.streams[].codec": true, "event.data.streams[].feed_mid": true, "event.data.streams[].feed_display": true,
	"event.data.streams[].active": true, "event.data.streams[].ready": true, "event.data.streams[].send": true,
}

// kindOf names an event's kind: type/subtype and, where one type carries
// bodies of different shapes, the field that tells them apart.
func kindOf(e event) string {
	typ, sub := e.num("type"), e.num("subtype")
	k := fmt.Sprint(typ)
	if sub > 0 {
		k += fmt.Sprintf("/%d", sub)
	}
	b := e.body()
	str := func(v any) string { s, _ := v.(string); return s }
	switch {
	case typ == 1 || typ == 2:
		k += " " + str(b["name"])
	case typ == 8:
		k += " " + str(b["owner"])
	case typ == 16 && sub == 6:
		k += " " + str(b["connection"])
	case typ == 32 && (sub == 1 || sub == 3):
		k += " " + str(b["media"])
	case typ == 64:
		k += " " + str(b["plugin"])
		d, _ := b["data"].(map[string]any)
		switch {
		case d["event"] != nil:
			k += " event=" + str(d["event"])
		case d["videoroom"] != nil:
			k += " videoroom=" + str(d["videoroom"])
		}
	case typ == 256:
		k += " " + str(b["status"])
	}
	return k
}

// shape is what the events of one kind look like: the JSON kinds seen at
// every path (the header's keys, "event.…" for the body, "[]" for array
// elements), and the values seen at value paths.
type shape struct {
	count   int
	kinds   map[string]map[string]bool
	values  map[string]map[string]bool
	present map[string]int // in how many events each path occurs
	// value gives the value compared at a path (false: only its JSON
	// kind is compared); nil means valuePaths, as JSON.
	value func(path string, v any) (string, bool)
	// elems, when set, names the elements of the array at path (one name
	// each: an index or a key) and records the array's length at
	// "path[#]"; unset (or returning nil), every element walks under one
	// "path[]" and only the set of their kinds and values is compared.
	elems func(path string, arr []any) []string
}

// newShape returns an empty shape whose values are taken by value.
func newShape(value func(path string, v any) (string, bool)) *shape {
	return &shape{kinds: map[string]map[string]bool{}, values: map[string]map[string]bool{}, present: map[string]int{}, value: value}
}

// add walks one body (an event or an answer) into s.
func (s *shape) add(body map[string]any) {
	s.count++
	seen := map[string]bool{}
	for key, v := range body {
		s.walk(key, v, seen)
	}
	for p := range seen {
		s.present[p]++
	}
}

// eventValue is the value of an event field at one of valuePaths.
func eventValue(path string, v any) (string, bool) {
	if !valuePaths[path] {
		return "", false
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}

// shapes groups evs by kind.
func shapes(evs []event) map[string]*shape {
	out := map[string]*shape{}
	for _, e := range evs {
		k := kindOf(e)
		s := out[k]
		if s == nil {
			s = newShape(eventValue)
			out[k] = s
		}
		s.add(e)
	}
	return out
}

func (s *shape) walk(path string, v any, seen map[string]bool) {
	seen[path] = true
	add := func(m map[string]map[string]bool, k string) {
		if m[path] == nil {
			m[path] = map[string]bool{}
		}
		m[path][k] = true
	}
	add(s.kinds, jsonKind(v))
	if val, ok := s.value(path, v); ok {
		add(s.values, val)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			s.walk(path+"."+k, c, seen)
		}
	case []any:
		var names []string
		if s.elems != nil {
			names = s.elems(path, x)
		}
		if names == nil {
			for _, c := range x {
				s.walk(path+"[]", c, seen)
			}
			return
		}
		n := path + "[#]"
		seen[n] = true
		for _, m := range []map[string]map[string]bool{s.kinds, s.values} {
			if m[n] == nil {
				m[n] = map[string]bool{}
			}
		}
		s.kinds[n]["int"] = true
		s.values[n][strconv.Itoa(len(x))] = true
		for i, name := range names {
			s.walk(path+"["+name+"]", x[i], seen)
		}
	}
}

// jsonKind is a value's JSON type, with integers apart from reals (a
// consumer in C, e.g. with jansson, reads them with different calls).
func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "real"
		}
		return "int"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// compare lists every difference between Janus's shapes and Argus's, one
// line each, sorted:
//
//	<kind>: only in Janus | only in Argus
//	<kind>: <path>: only in Janus | only in Argus
//	<kind>: <path>: Janus int, Argus real
//	<kind>: <path>: in every Janus event, not in every Argus event
//	<kind>: <path>: <value as JSON> only in Janus | only in Argus
func compare(janus, argus map[string]*shape) []string {
	var diffs []string
	for k, js := range janus {
		as, ok := argus[k]
		if !ok {
			diffs = append(diffs, k+": only in Janus")
			continue
		}
		diffs = append(diffs, compareShape(k, js, as)...)
	}
	for k := range argus {
		if _, ok := janus[k]; !ok {
			diffs = append(diffs, k+": only in Argus")
		}
	}
	sort.Strings(diffs)
	return diffs
}

func compareShape(kind string, js, as *shape) []string {
	var diffs []string
	for p, jk := range js.kinds {
		ak, ok := as.kinds[p]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %s: only in Janus", kind, p))
			continue
		}
		if a, j := setString(ak), setString(jk); a != j {
			diffs = append(diffs, fmt.Sprintf("%s: %s: Janus %s, Argus %s", kind, p, j, a))
		}
		if js.present[p] == js.count && as.present[p] < as.count {
			diffs = append(diffs, fmt.Sprintf("%s: %s: in every Janus event, not in every Argus event", kind, p))
		}
	}
	for p := range as.kinds {
		if _, ok := js.kinds[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %s: only in Argus", kind, p))
		}
	}
	// Values only where both have the path with the same JSON types (any
	// other difference is reported above).
	comparable := func(p string) bool {
		jk, ak := js.kinds[p], as.kinds[p]
		return jk != nil && ak != nil && setString(jk) == setString(ak)
	}
	for p, jv := range js.values {
		for v := range jv {
			if comparable(p) && !as.values[p][v] {
				diffs = append(diffs, fmt.Sprintf("%s: %s: %s only in Janus", kind, p, v))
			}
		}
	}
	for p, av := range as.values {
		for v := range av {
			if comparable(p) && !js.values[p][v] {
				diffs = append(diffs, fmt.Sprintf("%s: %s: %s only in Argus", kind, p, v))
			}
		}
	}
	return diffs
}

func setString(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, "|")
}

// unexplained drops the differences the allowlist explains (a "*" in an
// entry matches any run of characters) and returns the rest, and the
// allowlist entries nothing matched.
func unexplained(diffs []string, allow map[string]string) (rest, stale []string) {
	used := map[string]bool{}
next:
	for _, d := range diffs {
		for a := range allow {
			if glob(a, d) {
				used[a] = true
				continue next
			}
		}
		rest = append(rest, d)
	}
	for a := range allow {
		if !used[a] {
			stale = append(stale, a)
		}
	}
	sort.Strings(stale)
	return rest, stale
}

// glob matches s against pattern, where "*" stands for any run of
// characters (no other metacharacters: paths hold "[]" and "/").
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return s == ""
}

// pluginSequences lists, per opaque_id (one per role in the flow), the
// kinds of its plugin events in the order they were posted, repeats
// collapsed (Janus 1.1.2 emits "unpublished" twice when an unpublish
// closes the PeerConnection). Events without a handle (Janus's
// "unpublished" and "leaving") are given to the handle that joined with
// their (room, id).
func pluginSequences(evs []event) map[string][]string {
	feeds := map[string]string{} // "room/id" of a joined publisher → its opaque_id
	out := map[string][]string{}
	for _, e := range evs {
		if e.num("type") != 64 {
			continue
		}
		d, _ := e.body()["data"].(map[string]any)
		feed := fmt.Sprint(d["room"], "/", d["id"])
		op, _ := e["opaque_id"].(string)
		if op == "" {
			op = feeds[feed]
		} else if d["event"] == "joined" {
			feeds[feed] = op
		}
		if op == "" {
			op = "(no handle)"
		}
		k := kindOf(e)
		if seq := out[op]; len(seq) == 0 || seq[len(seq)-1] != k {
			out[op] = append(seq, k)
		}
	}
	return out
}

// compareSequences lists the roles whose plugin event sequences differ:
//
//	plugin events of <opaque_id>: Janus [...], Argus [...]
func compareSequences(janus, argus map[string][]string) []string {
	var diffs []string
	for op, js := range janus {
		if as := argus[op]; !slices.Equal(js, as) {
			diffs = append(diffs, fmt.Sprintf("plugin events of %s: Janus %q, Argus %q", op, js, as))
		}
	}
	for op, as := range argus {
		if _, ok := janus[op]; !ok {
			diffs = append(diffs, fmt.Sprintf("plugin events of %s: Janus [], Argus %q", op, as))
		}
	}
	sort.Strings(diffs)
	return diffs
}
