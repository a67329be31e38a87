package webrtc

import (
	"fmt"
	"sync"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// ifaceMaxAge is how long the Engine's PeerConnections share one list of
// the host's interfaces before the next PeerConnection enumerates them
// again: a change of addresses shows in the candidates of PeerConnections
// made from at most this long after it.
const ifaceMaxAge = time.Second

// ifaceNet is the Engine's transport.Net (pion's SettingEngine.SetNet):
// the standard library's sockets and resolver (stdnet), with one list of
// interfaces for all the Engine's PeerConnections. Without it pion builds
// a stdnet.Net per PeerConnection, and with it a fresh list (a netlink
// dump of the links, then one of the addresses per interface, and their
// parsing) for every setup; now a burst of setups shares one list,
// enumerated again when it is older than maxAge. A list is never changed
// once handed out (a refresh replaces it), so ICE agents read theirs
// without a lock.
type ifaceNet struct {
	*stdnet.Net // sockets, dialing, resolving; its own interface list is unused

	maxAge time.Duration
	now    func() time.Time
	list   func() ([]*transport.Interface, error) // enumerates the host's interfaces

	mu     sync.Mutex
	ifaces []*transport.Interface
	at     time.Time // when ifaces was enumerated
}

// newIfaceNet is an ifaceNet of the host's interfaces, listed again when
// older than maxAge.
func newIfaceNet(maxAge time.Duration) *ifaceNet {
	return &ifaceNet{Net: &stdnet.Net{}, maxAge: maxAge, now: time.Now, list: hostInterfaces}
}

// hostInterfaces lists the host's interfaces and their addresses as pion
// does for each PeerConnection without a shared Net.
func hostInterfaces() ([]*transport.Interface, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	return n.Interfaces()
}

// Interfaces returns the shared list, enumerated again first when it is
// older than maxAge. When that enumeration fails (e.g. no file descriptor
// left for the netlink socket) the last list is returned and the next
// call tries again: pion asks at every gathering, and an error there
// would send an answer without host candidates. Only when no list was
// ever made is the error returned (the PeerConnection's setup fails).
func (n *ifaceNet) Interfaces() ([]*transport.Interface, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	if n.ifaces != nil && now.Sub(n.at) < n.maxAge {
		return n.ifaces, nil
	}
	ifaces, err := n.list()
	if err != nil {
		if n.ifaces != nil {
			return n.ifaces, nil // the last list, until an enumeration succeeds
		}
		return nil, err
	}
	if ifaces == nil {
		ifaces = []*transport.Interface{} // no interfaces is a list too
	}
	n.ifaces, n.at = ifaces, now
	return ifaces, nil
}

// InterfaceByIndex returns the interface with that index from the shared
// list.
func (n *ifaceNet) InterfaceByIndex(index int) (*transport.Interface, error) {
	return n.find(func(ifc *transport.Interface) bool { return ifc.Index == index }, fmt.Sprintf("index=%d", index))
}

// InterfaceByName returns the interface with that name from the shared
// list.
func (n *ifaceNet) InterfaceByName(name string) (*transport.Interface, error) {
	return n.find(func(ifc *transport.Interface) bool { return ifc.Name == name }, name)
}

// find returns the first interface of the shared list that match accepts;
// what names it in the error when none does.
func (n *ifaceNet) find(match func(*transport.Interface) bool, what string) (*transport.Interface, error) {
	ifaces, err := n.Interfaces()
	if err != nil {
		return nil, err
	}
	for _, ifc := range ifaces {
		if match(ifc) {
			return ifc, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", transport.ErrInterfaceNotFound, what)
}
