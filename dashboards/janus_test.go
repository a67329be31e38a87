package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"strconv"
	"sync/atomic"
)

// janus is a minimal Janus API client over HTTP (REST + long poll).
type janus struct {
	base string
	hc   *nethttp.Client
	tx   atomic.Uint64
}

// jmsg is one decoded Janus message.
type jmsg map[string]any

func newJanus(base string) *janus { return &janus{base: base, hc: &nethttp.Client{}} }

func (j *janus) path(sid, hid uint64) string {
	p := j.base
	if sid != 0 {
		p += "/" + strconv.FormatUint(sid, 10)
	}
	if hid != 0 {
		p += "/" + strconv.FormatUint(hid, 10)
	}
	return p
}

func (j *janus) do(req *nethttp.Request) ([]byte, error) {
	res, err := j.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != nethttp.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	return b, nil
}

// request POSTs body (a transaction is added) and checks the reply kind.
func (j *janus) request(ctx context.Context, sid, hid uint64, body jmsg, want string) (jmsg, error) {
	body["transaction"] = "t" + strconv.FormatUint(j.tx.Add(1), 10)
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := nethttp.NewRequestWithContext(ctx, nethttp.MethodPost, j.path(sid, hid), bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	b, err := j.do(req)
	if err != nil {
		return nil, err
	}
	var m jmsg
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", b, err)
	}
	if m["janus"] != want {
		return nil, fmt.Errorf("%v: got %s, want janus=%q", body["janus"], b, want)
	}
	return m, nil
}

// poll long-polls session sid once (up to 10 events).
func (j *janus) poll(ctx context.Context, sid uint64) ([]jmsg, error) {
	req, err := nethttp.NewRequestWithContext(ctx, nethttp.MethodGet, j.path(sid, 0)+"?maxev=10", nil)
	if err != nil {
		return nil, err
	}
	b, err := j.do(req)
	if err != nil {
		return nil, err
	}
	var ms []jmsg
	if err := json.Unmarshal(b, &ms); err == nil {
		return ms, nil
	}
	var m jmsg // a lone keepalive
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode poll %s: %w", b, err)
	}
	return []jmsg{m}, nil
}

// waitEvent polls until match accepts a message.
func (j *janus) waitEvent(ctx context.Context, sid uint64, what string, match func(jmsg) bool) (jmsg, error) {
	for {
		ms, err := j.poll(ctx, sid)
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", what, err)
		}
		for _, m := range ms {
			if match(m) {
				return m, nil
			}
		}
	}
}

// id reads a numeric id field (data.id, session_id...).
func id(m jmsg, keys ...string) uint64 {
	var v any = map[string]any(m)
	for _, k := range keys {
		o, ok := v.(map[string]any)
		if !ok {
			return 0
		}
		v = o[k]
	}
	f, _ := v.(float64)
	return uint64(f)
}
