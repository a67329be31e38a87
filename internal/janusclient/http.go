package janusclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxBody bounds one HTTP reply or long-poll body.
const maxBody = 16 << 20

// HTTP speaks the Janus API over REST plus the session long poll.
type HTTP struct {
	base   string
	tr     *http.Transport
	hc     *http.Client
	ev     *events
	ctx    context.Context //nolint:containedctx // the client's lifetime: cancelled by Close, owned by this client
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewHTTP returns a client for base, e.g. http://127.0.0.1:8088/janus or
// http://127.0.0.1:7088/admin.
func NewHTTP(base string, o Options) *HTTP {
	o = o.withDefaults()
	tr := &http.Transport{}
	ctx, cancel := context.WithCancel(context.Background())
	return &HTTP{base: base, tr: tr, hc: &http.Client{Transport: tr}, ev: newEvents(o), ctx: ctx, cancel: cancel}
}

func (c *HTTP) path(sid, hid uint64) string {
	p := c.base
	if sid != 0 {
		p += "/" + strconv.FormatUint(sid, 10)
	}
	if hid != 0 {
		p += "/" + strconv.FormatUint(hid, 10)
	}
	return p
}

// Do POSTs raw to the path of sid and hid.
func (c *HTTP) Do(ctx context.Context, sid, hid uint64, raw []byte) (Msg, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.path(sid, hid), bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("janus request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("POST %s: body: %w", req.URL.Path, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: POST %s: HTTP %d: %.300s", ErrReply, req.URL.Path, res.StatusCode, body)
	}
	return Decode(body)
}

// Request adds a transaction and POSTs req.
func (c *HTTP) Request(ctx context.Context, sid, hid uint64, req Msg) (Msg, error) {
	raw, err := EncodeRequest(req, 0, 0) // the ids are in the URL
	if err != nil {
		return nil, err
	}
	return c.Do(ctx, sid, hid, raw)
}

// Watch long-polls session sid until the client closes, the session is
// gone (an HTTP error) or Janus sends "timeout".
func (c *HTTP) Watch(sid uint64) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for c.poll(sid) {
		}
	}()
}

// poll runs one long poll; false ends the loop.
func (c *HTTP) poll(sid uint64) bool {
	url := c.path(sid, 0) + "?maxev=10&rid=" + strconv.FormatInt(time.Now().UnixNano(), 10)
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		return false
	}
	batch, err := decodeBatch(body)
	if err != nil {
		return false
	}
	for _, m := range batch {
		if m.Kind() == "keepalive" {
			continue
		}
		if !c.ev.push(c.ctx, m) {
			return false
		}
		if m.Kind() == "timeout" {
			return false
		}
	}
	return true
}

// Events yields the long polls' messages.
func (c *HTTP) Events() <-chan Msg { return c.ev.ch }

// Dropped counts messages dropped on a full Events buffer.
func (c *HTTP) Dropped() uint64 { return c.ev.dropped.Load() }

// Close stops every long poll and closes idle connections.
func (c *HTTP) Close() {
	c.cancel()
	c.wg.Wait()
	c.tr.CloseIdleConnections()
}
