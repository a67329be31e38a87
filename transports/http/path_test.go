package http

import (
	"errors"
	"fmt"
	"testing"

	"github.com/argusrtc/argus/core"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		want route
		err  error
	}{
		{"/janus", route{kind: pathRoot}, nil},
		{"/janus/", route{kind: pathRoot}, nil},
		{"/janus/info", route{kind: pathInfo}, nil},
		{"/janus/info/", route{kind: pathInfo}, nil},
		{"/janus/12", route{kind: pathSession, ids: core.PathIDs{Session: 12}}, nil},
		{"/janus/12/34", route{kind: pathHandle, ids: core.PathIDs{Session: 12, Handle: 34}}, nil},
		{"/janus/9007199254740991", route{kind: pathSession, ids: core.PathIDs{Session: 9007199254740991}}, nil},
		{"/janus/9007199254740992", route{}, ErrBadID},
		{"/janus/0", route{}, ErrBadID},
		{"/janus/-1", route{}, ErrBadID},
		{"/janus/+1", route{}, ErrBadID},
		{"/janus/1/0", route{}, ErrBadID},
		{"/janus/1/x", route{}, ErrBadID},
		{"/janus/info/1", route{}, ErrBadID},
		{"/janus//1", route{}, ErrBadID},
		{"/janus/1/2/3", route{}, ErrBadPath},
		{"/janusx", route{}, ErrBadPath},
		{"/admin/1", route{}, ErrBadPath},
		{"", route{}, ErrBadPath},
	}
	for _, tc := range tests {
		got, err := parsePath("/janus", tc.in)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("parsePath(%q) = %+v, %v; want %+v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// FuzzParsePath checks that the parser never panics, that every accepted
// path has ids in Janus's range, and that rendering a route parses back to it.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"/janus", "/janus/info", "/janus/1", "/janus/1/2", "/janus/1/2/3", "/janus/0", "/janus/%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		r, err := parsePath("/janus", p)
		if err != nil {
			if r != (route{}) {
				t.Fatalf("error with route %+v", r)
			}
			return
		}
		var back string
		switch r.kind {
		case pathRoot:
			back = "/janus"
		case pathInfo:
			back = "/janus/info"
		case pathSession:
			back = fmt.Sprintf("/janus/%d", r.ids.Session)
		case pathHandle:
			back = fmt.Sprintf("/janus/%d/%d", r.ids.Session, r.ids.Handle)
		default:
			t.Fatalf("kind %d", r.kind)
		}
		for _, id := range []uint64{uint64(r.ids.Session), uint64(r.ids.Handle)} {
			if id > maxID {
				t.Fatalf("id %d out of range", id)
			}
		}
		if (r.kind >= pathSession) != (r.ids.Session != 0) || (r.kind == pathHandle) != (r.ids.Handle != 0) {
			t.Fatalf("ids %+v for kind %d", r.ids, r.kind)
		}
		r2, err := parsePath("/janus", back)
		if err != nil || r2 != r {
			t.Fatalf("round trip %q -> %q: %+v %v", p, back, r2, err)
		}
	})
}
