package http

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/argusrtc/argus/core"
)

// pathKind is the shape of a Janus API URL path.
type pathKind int

const (
	pathRoot    pathKind = iota + 1 // /janus
	pathInfo                        // /janus/info
	pathSession                     // /janus/<session>
	pathHandle                      // /janus/<session>/<handle>
	pathPing                        // /janus/ping (Janus 1.2+)
)

// route is a parsed Janus API path.
type route struct {
	kind pathKind
	ids  core.PathIDs
}

// maxID is the largest id Janus hands out (53 bits, janus-reference.md 0).
const maxID = 1<<53 - 1

// parsePath parses urlPath below base (table in janus-reference.md 1.6). One
// trailing slash is tolerated; anything deeper than a handle, any other
// prefix, and any id that is not a decimal number in 1..2^53-1 is an error.
func parsePath(base, urlPath string) (route, error) {
	rest, ok := strings.CutPrefix(urlPath, base)
	if !ok {
		return route{}, fmt.Errorf("%w: %q", ErrBadPath, urlPath)
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return route{kind: pathRoot}, nil
	}
	rest, ok = strings.CutPrefix(rest, "/")
	if !ok {
		return route{}, fmt.Errorf("%w: %q", ErrBadPath, urlPath)
	}
	segs := strings.Split(rest, "/")
	switch {
	case len(segs) == 1 && segs[0] == "info":
		return route{kind: pathInfo}, nil
	case len(segs) == 1 && segs[0] == "ping":
		return route{kind: pathPing}, nil
	case len(segs) > 2:
		return route{}, fmt.Errorf("%w: %q", ErrBadPath, urlPath)
	}
	s, err := parseID(segs[0])
	if err != nil {
		return route{}, err
	}
	r := route{kind: pathSession, ids: core.PathIDs{Session: core.SessionID(s)}}
	if len(segs) == 2 {
		h, err := parseID(segs[1])
		if err != nil {
			return route{}, err
		}
		r.kind, r.ids.Handle = pathHandle, core.HandleID(h)
	}
	return r, nil
}

// parseID accepts only plain decimal digits (no sign, no spaces) in 1..maxID.
func parseID(seg string) (uint64, error) {
	if seg == "" || len(seg) > 20 {
		return 0, fmt.Errorf("%w: %q", ErrBadID, seg)
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return 0, fmt.Errorf("%w: %q", ErrBadID, seg)
		}
	}
	v, err := strconv.ParseUint(seg, 10, 64)
	if err != nil || v == 0 || v > maxID {
		return 0, fmt.Errorf("%w: %q", ErrBadID, seg)
	}
	return v, nil
}
