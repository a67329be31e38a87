package slownet

import (
	"net"
	"os"
	"sync"
	"time"

	"github.com/pion/transport/v5"
)

// conn is a slowed UDP socket: writes go through the up line to the inner
// socket, a reader goroutine passes what the inner socket receives
// through the down line into in, where ReadFrom takes it.
type conn struct {
	transport.UDPConn // the inner socket: addresses, buffer sizes

	up, down *line
	in       chan packet
	done     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup

	mu            sync.Mutex
	readDeadline  time.Time
	writeDeadline time.Time
	deadlineMoved chan struct{} // closed and replaced when the read deadline changes
}

func newConn(inner transport.UDPConn, up, down *line) *conn {
	c := &conn{
		UDPConn: inner, up: up, down: down,
		in: make(chan packet, RecvBuffer), done: make(chan struct{}), deadlineMoved: make(chan struct{}),
	}
	c.wg.Add(3)
	go func() {
		defer c.wg.Done()
		c.up.run(c.done, func(p packet) bool {
			_, err := c.UDPConn.WriteTo(p.b, p.addr)
			return err == nil
		})
	}()
	go func() {
		defer c.wg.Done()
		c.down.run(c.done, func(p packet) bool {
			select {
			case c.in <- p:
				return true
			default:
				return false // the receive buffer is full
			}
		})
	}()
	go func() {
		defer c.wg.Done()
		c.readLoop()
	}()
	return c
}

// readLoop reads the inner socket until it fails: it is closed (no
// deadline is ever set on it, so it cannot time out).
func (c *conn) readLoop() {
	buf := make([]byte, 65536)
	for {
		n, addr, err := c.UDPConn.ReadFrom(buf)
		if err != nil {
			return
		}
		c.down.push(time.Now(), append([]byte(nil), buf[:n]...), addr)
	}
}

// ReadFrom returns the next packet the down line delivered.
func (c *conn) ReadFrom(b []byte) (int, net.Addr, error) {
	var t *time.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		c.mu.Lock()
		dl, moved := c.readDeadline, c.deadlineMoved
		c.mu.Unlock()
		var expired <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, nil, c.opError("read", nil, os.ErrDeadlineExceeded)
			}
			if t == nil {
				t = time.NewTimer(d)
			} else {
				t.Reset(d)
			}
			expired = t.C
		}
		select {
		case p := <-c.in:
			return copy(b, p.b), p.addr, nil
		case <-c.done:
			return 0, nil, c.opError("read", nil, net.ErrClosed)
		case <-moved:
		case <-expired:
			return 0, nil, c.opError("read", nil, os.ErrDeadlineExceeded)
		}
	}
}

// WriteTo hands a copy of b to the up line; like UDP it reports success
// for a packet the link drops.
func (c *conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	select {
	case <-c.done:
		return 0, c.opError("write", addr, net.ErrClosed)
	default:
	}
	c.mu.Lock()
	dl := c.writeDeadline
	c.mu.Unlock()
	if !dl.IsZero() && !time.Now().Before(dl) {
		return 0, c.opError("write", addr, os.ErrDeadlineExceeded)
	}
	c.up.push(time.Now(), append([]byte(nil), b...), addr)
	return len(b), nil
}

func (c *conn) opError(op string, addr net.Addr, err error) error {
	return &net.OpError{Op: op, Net: "udp", Source: c.LocalAddr(), Addr: addr, Err: err}
}

// ReadFromUDP is ReadFrom with a UDP address.
func (c *conn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	n, addr, err := c.ReadFrom(b)
	ua, _ := addr.(*net.UDPAddr)
	return n, ua, err
}

// ReadMsgUDP is ReadFromUDP; no control data passes the link.
func (c *conn) ReadMsgUDP(b, _ []byte) (int, int, int, *net.UDPAddr, error) {
	n, addr, err := c.ReadFromUDP(b)
	return n, 0, 0, addr, err
}

// Read is ReadFrom without the address.
func (c *conn) Read(b []byte) (int, error) {
	n, _, err := c.ReadFrom(b)
	return n, err
}

// WriteToUDP is WriteTo.
func (c *conn) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) { return c.WriteTo(b, addr) }

// WriteMsgUDP is WriteTo; control data is not passed on.
func (c *conn) WriteMsgUDP(b, _ []byte, addr *net.UDPAddr) (int, int, error) {
	n, err := c.WriteTo(b, addr)
	return n, 0, err
}

// Write sends to the socket's remote address, if it has one.
func (c *conn) Write(b []byte) (int, error) {
	ra := c.RemoteAddr()
	if ra == nil {
		return 0, c.opError("write", nil, ErrNotConnected)
	}
	return c.WriteTo(b, ra)
}

// SetDeadline sets the read and the write deadline.
func (c *conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline ends ReadFrom calls (blocked ones too) at t.
func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	close(c.deadlineMoved)
	c.deadlineMoved = make(chan struct{})
	return nil
}

// SetWriteDeadline fails writes from t on (a write never blocks).
func (c *conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeDeadline = t
	return nil
}

// Close closes the inner socket and ends the socket's goroutines; packets
// still in the link are lost.
func (c *conn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		close(c.done)
		err = c.UDPConn.Close()
		c.wg.Wait()
	})
	if err != nil {
		return c.opError("close", nil, err)
	}
	return nil
}

var _ transport.UDPConn = (*conn)(nil)
