package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// httpClient speaks the Janus API over REST plus a long poll.
type httpClient struct {
	base   string
	tr     *http.Transport
	hc     *http.Client
	ev     chan msg
	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newHTTPClient(base string) *httpClient {
	tr := &http.Transport{}
	ctx, cancel := context.WithCancel(context.Background())
	return &httpClient{base: base, tr: tr, hc: &http.Client{Transport: tr},
		ev: make(chan msg, 256), ctx: ctx, cancel: cancel}
}

func (c *httpClient) path(sid, hid uint64) string {
	p := c.base
	if sid != 0 {
		p += "/" + strconv.FormatUint(sid, 10)
	}
	if hid != 0 {
		p += "/" + strconv.FormatUint(hid, 10)
	}
	return p
}

func (c *httpClient) request(ctx context.Context, sid, hid uint64, req msg) (msg, error) {
	req["transaction"] = newTransaction()
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.path(sid, hid), bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("POST: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("POST body: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP %d: %.200s", errBadReply, res.StatusCode, body)
	}
	return decodeMsg(body)
}

func (c *httpClient) watch(sid uint64) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for c.poll(sid) {
		}
	}()
}

// poll runs one long poll; false ends the loop.
func (c *httpClient) poll(sid uint64) bool {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, c.path(sid, 0)+"?maxev=10", nil)
	if err != nil {
		return false
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return false
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		return false
	}
	var batch []msg
	if body = bytes.TrimSpace(body); len(body) > 0 && body[0] == '{' {
		m, err := decodeMsg(body)
		if err != nil {
			return false
		}
		batch = []msg{m}
	} else {
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&batch); err != nil {
			return false
		}
	}
	for _, m := range batch {
		if m.kind() == "keepalive" {
			continue
		}
		select {
		case c.ev <- m:
		case <-c.ctx.Done():
			return false
		}
	}
	return true
}

func (c *httpClient) events() <-chan msg { return c.ev }

func (c *httpClient) close() {
	c.cancel()
	c.wg.Wait()
	c.tr.CloseIdleConnections()
}
