package echotest

import (
	"encoding/json"
	"testing"
)

func TestParseRequest(t *testing.T) {
	tests := []struct {
		body    string
		jsep    bool
		code    int
		checkOK func(*request) bool
	}{
		{`{"audio":true,"video":false,"bitrate":0}`, false, 0, func(r *request) bool {
			return *r.Audio && !*r.Video && *r.Bitrate == 0
		}},
		{`{}`, true, 0, func(r *request) bool { return r.Audio == nil }},
		{`{"unknown":1}`, false, errInvalidElement, nil},
		{`{"substream":2,"temporal":0}`, false, 0, func(r *request) bool { return *r.Substream == 2 && *r.Temporal == 0 }},
		{`{"min_delay":-1}`, false, 0, func(r *request) bool { return *r.MinDelay == -1 }},
		{`{"min_delay":1.5}`, false, errInvalidElement, nil},
		{`{"videocodec":7}`, false, errInvalidElement, nil},
		{`"x"`, false, errInvalidJSON, nil},
		{``, false, errNoMessage, nil},
	}
	for _, tc := range tests {
		r, err := parseRequest(json.RawMessage(tc.body), tc.jsep)
		switch {
		case tc.code != 0 && (err == nil || err.code != tc.code):
			t.Errorf("%s: err = %v, want code %d", tc.body, err, tc.code)
		case tc.code == 0 && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.code == 0 && !tc.checkOK(r):
			t.Errorf("%s: request = %+v", tc.body, r)
		}
	}
}

// FuzzParseRequest: any body gives a request or an EchoTest error code.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{`{"audio":true}`, `{"bitrate":1e3}`, `{"substream":99}`, `[]`, `null`, `{"a":`} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, jsep bool) {
		r, err := parseRequest(json.RawMessage(body), jsep)
		if err != nil {
			if err.code < errNoMessage || err.code > errInvalidElement || err.text == "" {
				t.Fatalf("bad error %+v", err)
			}
			return
		}
		if r == nil {
			t.Fatal("nil request without error")
		}
		if r.Substream != nil && (*r.Substream < 0 || *r.Substream > 2) {
			t.Fatalf("substream %d accepted", *r.Substream)
		}
	})
}
