package janusref

import (
	"slices"
	"testing"

	"github.com/argusrtc/argus/internal/janusclient"
)

// TestCompareAnswers proves the answer comparison catches what it must
// and ignores what it must, on hand-written answers (no Janus needed):
// named ids compare by name (also inside texts), unnamed ids and SDPs by
// kind only, shape-only steps by kind only.
func TestCompareAnswers(t *testing.T) {
	run := func(sess, feed uint64) *answerRun {
		r := &answerRun{ids: map[string]uint64{}, names: map[string]string{}}
		r.name("A", sess)
		r.name("pubfeed", feed)
		return r
	}
	jr, ar := run(11, 21), run(12, 22)
	dec := func(s string) answer {
		m, err := janusclient.Decode([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return answer{msg: m}
	}
	steps := []step{{name: "s"}, {name: "info", shape: true}}
	tests := []struct {
		name         string
		janus, argus string
		want         []string
	}{
		{"named ids", `{"janus":"success","session_id":11,"data":{"error":"No such user 21"}}`,
			`{"janus":"success","session_id":12,"data":{"error":"No such user 22"}}`, nil},
		{"named id differs", `{"janus":"success","session_id":11}`, `{"janus":"success","session_id":22}`,
			[]string{"s: session_id: <A> only in Janus", "s: session_id: <pubfeed> only in Argus"}},
		{"unnamed ids and sdp", `{"janus":"event","plugindata":{"data":{"private_id":5}},"jsep":{"type":"offer","sdp":"v=0 a"}}`,
			`{"janus":"event","plugindata":{"data":{"private_id":6}},"jsep":{"type":"offer","sdp":"v=0 b"}}`, nil},
		{"jsep missing", `{"janus":"event","jsep":{"type":"answer","sdp":"x"}}`, `{"janus":"event"}`,
			[]string{"s: jsep.sdp: only in Janus", "s: jsep.type: only in Janus", "s: jsep: only in Janus"}},
		{"error code", `{"janus":"error","error":{"code":458,"reason":"x"}}`, `{"janus":"error","error":{"code":459,"reason":"x"}}`,
			[]string{"s: error.code: 458 only in Janus", "s: error.code: 459 only in Argus"}},
		{"kind", `{"janus":"ack"}`, `{"janus":"success"}`, []string{`s: janus: "ack" only in Janus`, `s: janus: "success" only in Argus`}},
		{"json kind", `{"janus":"success","data":{"n":1}}`, `{"janus":"success","data":{"n":"1"}}`, []string{"s: data.n: Janus int, Argus string"}},
		{"array length", `{"a":[1,1]}`, `{"a":[1]}`, []string{"s: a[#]: 1 only in Argus", "s: a[#]: 2 only in Janus", "s: a[1]: only in Janus"}},
		{"array order", `{"a":["x","y"]}`, `{"a":["y","x"]}`,
			[]string{`s: a[0]: "x" only in Janus`, `s: a[0]: "y" only in Argus`, `s: a[1]: "x" only in Argus`, `s: a[1]: "y" only in Janus`}},
		{"values of one element", `{"streams":[{"mid":"0","type":"audio"},{"mid":"1","type":"video"}]}`,
			`{"streams":[{"mid":"0","type":"video"},{"mid":"1","type":"audio"}]}`,
			[]string{`s: streams[0].type: "audio" only in Janus`, `s: streams[0].type: "video" only in Argus`,
				`s: streams[1].type: "audio" only in Argus`, `s: streams[1].type: "video" only in Janus`}},
		{"unordered by key", `{"participants":[{"id":21,"display":"a"},{"id":5,"display":"b"}]}`,
			`{"participants":[{"id":6,"display":"b"},{"id":22,"display":"a"}]}`, nil},
		{"live PeerConnection: random values by kind", `{"info":{"webrtc":{"ice":{"local-candidates":["1 1 udp 5 10.0.0.2 4000 typ host"],"selected-pair":"a"},"dtls":{"fingerprint":"AB","connected":5},"extensions":{"urn:x:mid":3}},"sdps":{"local":"v=0 a"}}}`,
			`{"info":{"webrtc":{"ice":{"local-candidates":["2 1 udp 9 127.0.0.1 5000 typ host","x"],"selected-pair":"b"},"dtls":{"fingerprint":"CD","connected":9},"extensions":{"urn:x:mid":4}},"sdps":{"local":"v=0 b"}}}`, nil},
		{"live PeerConnection: kinds still compared", `{"info":{"webrtc":{"ice":{"local-candidates":["c"]},"dtls":{"connected":5}}}}`,
			`{"info":{"webrtc":{"ice":{"local-candidates":[1]},"dtls":{"connected":"5"}}}}`,
			[]string{"s: info.webrtc.dtls.connected: Janus int, Argus string", "s: info.webrtc.ice.local-candidates[]: Janus string, Argus int"}},
		{"unordered duplicate", `{"allowed":["t","t"]}`, `{"allowed":["t","u"]}`,
			[]string{`s: allowed[="t"#2]: only in Janus`, `s: allowed[="u"]: only in Argus`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := compareAnswers(steps, jr, ar, map[string]answer{"s": dec(tc.janus)}, map[string]answer{"s": dec(tc.argus)})
			if !slices.Equal(got, tc.want) {
				t.Errorf("differences %q, want %q", got, tc.want)
			}
		})
	}
	// Shape-only steps compare keys and kinds, not values.
	got := compareAnswers(steps, jr, ar, map[string]answer{"info": dec(`{"name":"Janus","x":1}`)}, map[string]answer{"info": dec(`{"name":"Argus"}`)})
	if !slices.Equal(got, []string{"info: x: only in Janus"}) {
		t.Errorf("shape-only: %q", got)
	}
	// A step one server did not answer.
	got = compareAnswers(steps, jr, ar, map[string]answer{"s": dec(`{}`), "s event": dec(`{}`)}, map[string]answer{"s": dec(`{}`)})
	if !slices.Equal(got, []string{"s event: only in Janus"}) {
		t.Errorf("missing answer: %q", got)
	}
}
