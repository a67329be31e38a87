package httpevh

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// errBodyClosed is what a request body reads after net/http closed it.
var errBodyClosed = errors.New("httpevh: read of a closed request body")

// postBody is one POST's body buffer, reused for a later POST once net/http
// is provably done with it: every reader of it that the transport got (the
// request's body and any GetBody gave for a redirect or a retry on a stale
// connection) has been closed. net/http may read a request body after
// RoundTrip returns and closes it when it is done, perhaps from another
// goroutine (http.RoundTripper); a buffer with a reader still open is left
// to the garbage collector.
type postBody struct {
	b    []byte
	open atomic.Int32 // readers of b handed to net/http and not yet closed
	// discard takes the response bodies (up to maxResponse bytes, read
	// and dropped), so that reading them needs no buffer of io.Discard's.
	discard [512]byte
}

// reader returns a new reader of the whole of b.
func (p *postBody) reader() *bodyReader {
	p.open.Add(1)
	return &bodyReader{p: p, rest: p.b}
}

// done reports whether every reader of b has been closed, so that nothing
// reads b any more.
func (p *postBody) done() bool { return p.open.Load() == 0 }

// bodyReader reads a postBody's bytes for one request. Close waits for a
// Read in progress and later Reads fail, so once every reader is closed
// nothing touches the buffer.
type bodyReader struct {
	mu     sync.Mutex
	p      *postBody
	rest   []byte // not yet read
	closed bool
}

// Read implements io.Reader.
func (r *bodyReader) Read(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errBodyClosed
	}
	if len(r.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(b, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// Close implements io.Closer; a second Close does nothing.
func (r *bodyReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed, r.rest = true, nil
		r.p.open.Add(-1)
	}
	return nil
}

// maxResponse is the most of a response body read before closing it, so
// that the connection can be reused.
const maxResponse = 64 << 10

// drain reads and drops up to maxResponse bytes of r into buf.
func drain(r io.Reader, buf []byte) {
	for n := 0; n < maxResponse; {
		k, err := r.Read(buf[:min(len(buf), maxResponse-n)])
		n += k
		if err != nil {
			return
		}
	}
}

// takeBody returns the spare body buffer when net/http is done with it,
// else a new one with room for the recent POST bodies. A spare that is
// still open is dropped for the garbage collector.
func (s *Sink) takeBody() *postBody {
	if p := s.spare.Swap(nil); p != nil && p.done() {
		p.b = p.b[:0]
		return p
	}
	n := int(s.bodyHW.Load())
	return &postBody{b: make([]byte, 0, n+n/8)}
}

// putBody keeps p as the spare for the next POST unless it is much larger
// than the recent bodies. net/http may still hold a reader of it (a
// response can come before the transport closed the request body):
// takeBody checks.
//
// Recent is a high-water mark of the body sizes that decays by 1/16 per
// POST: an Export's POSTs alternate full groups and a shorter rest, which
// must not shrink the buffer each time, while one exceptional POST
// releases its buffer some tens of POSTs later.
func (s *Sink) putBody(p *postBody) {
	hw := s.bodyHW.Load()
	hw = max(int64(len(p.b)), hw-hw/16)
	s.bodyHW.Store(hw)
	if int64(cap(p.b)) > max(2*hw, minKeep) {
		return
	}
	s.spare.Store(p)
}

// minKeep is the capacity of a body buffer kept whatever the recent body
// sizes.
const minKeep = 64 << 10

// copyBufSize is the buffer size of net/http's and io.Copy's copies.
const copyBufSize = 32 << 10

// copyBufs are a sink's buffers for copying request bodies into its
// connections (copyConn): at most cap of them kept, more made when POSTs
// run at once.
type copyBufs chan *[copyBufSize]byte

func (c copyBufs) get() *[copyBufSize]byte {
	select {
	case b := <-c:
		return b
	default:
		return new([copyBufSize]byte)
	}
}

func (c copyBufs) put(b *[copyBufSize]byte) {
	select {
	case c <- b:
	default:
	}
}

// copyConn is a client connection that copies request bodies into itself
// through its sink's buffers. A body larger than the transport's write
// buffer goes out through the connection's io.ReaderFrom, and a
// *net.TCPConn copies a body that is not a file or a socket through a new
// 32 KiB buffer each time; the buffers are the sink's, not the
// connection's, because a backend that closes the connection after each
// POST (HTTP/1.0) means a new connection per POST.
type copyConn struct {
	net.Conn
	bufs copyBufs
}

// ReadFrom implements io.ReaderFrom with one of the sink's buffers.
func (c *copyConn) ReadFrom(r io.Reader) (int64, error) {
	b := c.bufs.get()
	defer c.bufs.put(b)
	return io.CopyBuffer(writerOnly{c.Conn}, r, b[:])
}

// writerOnly hides a writer's io.ReaderFrom, so that io.CopyBuffer uses
// the buffer it is given.
type writerOnly struct{ io.Writer }

// newTransport is a clone of http.DefaultTransport whose connections are
// copyConns with bufs, or http.DefaultTransport itself when it is not an
// *http.Transport.
func newTransport(bufs copyBufs) http.RoundTripper {
	tr, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	tr = tr.Clone()
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &copyConn{Conn: c, bufs: bufs}, nil
	}
	return tr
}
