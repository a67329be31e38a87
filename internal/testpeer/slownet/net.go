package slownet

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"

	"github.com/pion/transport/v5"
)

// Net is a transport.Net whose UDP sockets are slowed by a Link in each
// direction. It has no goroutine of its own.
type Net struct {
	transport.Net

	up, down Link
	// Up counts what the sockets sent, Down what they received.
	Up, Down Stats
	sockets  atomic.Uint64
}

// New slows the UDP sockets of inner: up is the link packets written
// take, down the one packets read took.
func New(inner transport.Net, up, down Link) *Net {
	return &Net{Net: inner, up: up, down: down}
}

// ListenUDP opens a slowed UDP socket.
func (n *Net) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	inner, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, fmt.Errorf("slownet: %w", err)
	}
	k := n.sockets.Add(1)
	return newConn(inner,
		newLine(n.up, &n.Up, n.up.Seed+2*k),
		newLine(n.down, &n.Down, n.down.Seed+2*k+1)), nil
}

// ListenPacket opens a slowed socket for the udp networks and the inner
// Net's for others.
func (n *Net) ListenPacket(network, address string) (net.PacketConn, error) {
	if !strings.HasPrefix(network, "udp") {
		pc, err := n.Net.ListenPacket(network, address)
		if err != nil {
			return nil, fmt.Errorf("slownet: %w", err)
		}
		return pc, nil
	}
	addr, err := n.ResolveUDPAddr(network, address)
	if err != nil {
		return nil, fmt.Errorf("slownet: %w", err)
	}
	return n.ListenUDP(network, addr)
}

var _ transport.Net = (*Net)(nil)
