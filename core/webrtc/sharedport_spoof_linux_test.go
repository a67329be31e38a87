package webrtc

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	pion "github.com/pion/webrtc/v4"
	"golang.org/x/sys/unix"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/internal/testpeer"
)

// TestSharedPortSpoofedSource: an attacker that can spoof UDP source
// addresses sends a valid check for its own PeerConnection (it holds
// that PeerConnection's ufrag and password) with a victim client's address
// and port as the source. The attacker's Peer answers there, as it must,
// and sends its own check there, which the victim client ignores (it
// names credentials the client does not have). The victim's address must
// stay with the victim's Peer: all the victim's media reaches it, and
// nothing moved. With the old mux the answer alone moved the address, and
// the victim's uplink went to the attacker's Peer until the victim's next
// consent check.
//
// The spoof is real: the attacker's socket is bound to the victim's own
// address and port (SO_REUSEPORT on both), and a reuseport BPF program
// hands every datagram for that address to the victim's socket, so what
// the attacker sends carries the victim's source address and what comes
// back reaches the victim only, as for a blind spoofer.
func TestSharedPortSpoofedSource(t *testing.T) {
	eng := engineOf(t, Config{ServerName: "test", Emitter: &recorder{}, IncludeLoopback: true, SharedUDP: true}, nil)

	victimSock := reusePortUDP(t, 0)
	victimAddr := victimSock.LocalAddr().(*net.UDPAddr)
	steerToFirstSocket(t, victimSock)
	tap := &stunTap{UDPConn: victimSock}
	victimMux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: tap})
	t.Cleanup(func() { _ = victimMux.Close() })
	victim := newPeer(t, eng, PeerParams{SessionID: 1, HandleID: 1})
	got := countRTP(victim.PeerConnection())
	victimClient := newClientOf(t, clientAPIOf(t, testpeer.Config{Codecs: testpeer.CodecsPion, UDPMux: victimMux}))
	track := addOpusTrack(t, victimClient)
	negotiate(t, victim, victimClient)
	sendUntil(t, track, got, 20)

	attacker := newPeer(t, eng, PeerParams{SessionID: 2, HandleID: 2})
	attackerClient := newClientOf(t, clientAPIOf(t, testpeer.Config{Codecs: testpeer.CodecsPion}))
	attackerGot := countRTP(attacker.PeerConnection())
	addOpusTrack(t, attackerClient)
	negotiate(t, attacker, attackerClient)
	testkit.Until(t, 10*time.Second, "the attacker's client connected", func() bool {
		return attackerClient.ICEConnectionState() == pion.ICEConnectionStateConnected
	})
	peerUfrag, peerPwd := iceCredentials(t, attacker.PeerConnection().LocalDescription().SDP)
	clientUfrag, _ := iceCredentials(t, attackerClient.LocalDescription().SDP)

	spoof := reusePortUDP(t, victimAddr.Port) // the victim's address, as the source
	port, start, _ := eng.SharedUDP()
	to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	var sent []stunID
	testkit.Until(t, 10*time.Second, "the attacker's Peer answered a spoofed check at the victim's address", func() bool {
		msg, err := stun.Build(stun.TransactionID, stun.BindingRequest,
			stun.NewUsername(peerUfrag+":"+clientUfrag), ice.AttrControlling(1), ice.PriorityAttr(1<<30),
			stun.NewShortTermIntegrity(peerPwd), stun.Fingerprint)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := spoof.WriteToUDPAddrPort(msg.Raw, to); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, msg.TransactionID)
		return tap.answered(sent)
	})

	// The victim's media must all reach the victim's Peer, none the
	// attacker's.
	before, attackerBefore := got.Load(), attackerGot.Load()
	seq := uint16(40000)
	const rounds, each = 50, 2
	for range rounds {
		sendRTP(t, track, 111, &seq, each)
		time.Sleep(10 * time.Millisecond)
	}
	testkit.Until(t, 10*time.Second, "the victim's packets at the victim's Peer", func() bool {
		return got.Load()-before >= rounds*each*95/100
	})
	_, st, _ := eng.SharedUDP()
	if st.Moved != start.Moved {
		t.Errorf("%d address moves after the spoofed check, want none", st.Moved-start.Moved)
	}
	if n := attackerGot.Load() - attackerBefore; n != 0 {
		t.Errorf("the attacker's Peer received %d packets", n)
	}
}

// iceCredentials reads the first ice-ufrag and ice-pwd of an SDP.
func iceCredentials(t *testing.T, sdp string) (ufrag, pwd string) {
	t.Helper()
	for line := range strings.SplitSeq(sdp, "\r\n") {
		if v, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok && ufrag == "" {
			ufrag = v
		}
		if v, ok := strings.CutPrefix(line, "a=ice-pwd:"); ok && pwd == "" {
			pwd = v
		}
	}
	if ufrag == "" || pwd == "" {
		t.Fatalf("no ICE credentials in %q", sdp)
	}
	return ufrag, pwd
}

// reusePortUDP is a UDP socket on 127.0.0.1:port (0: any) with
// SO_REUSEPORT, closed when the test ends.
func reusePortUDP(t *testing.T, port int) *net.UDPConn {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc.(*net.UDPConn)
}

// steerToFirstSocket has the kernel deliver every datagram for u's
// reuseport group to the group's first socket (a classic BPF program
// returning index 0).
func steerToFirstSocket(t *testing.T, u *net.UDPConn) {
	t.Helper()
	rc, err := u.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	prog := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_REUSEPORT_CBPF,
			&unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]})
	}); err != nil {
		t.Fatal(err)
	}
	if serr != nil { // Linux 4.5 and later have it: a failure here is not a pass
		t.Fatalf("reuseport BPF: %v", serr)
	}
}

type stunID = [stun.TransactionIDSize]byte

// stunTap is a client's socket that notes the transaction IDs of the
// Binding success responses it receives (pion's UDP mux reads a wrapper
// with ReadFrom).
type stunTap struct {
	*net.UDPConn
	mu  sync.Mutex
	ids map[stunID]bool
}

func (s *stunTap) note(b []byte) {
	var m stun.Message
	if !stun.IsMessage(b) || m.UnmarshalBinary(b) != nil || m.Type != stun.BindingSuccess {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[stunID]bool{}
	}
	s.ids[m.TransactionID] = true
}

// answered reports whether one of ids was answered.
func (s *stunTap) answered(ids []stunID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.ids[id] {
			return true
		}
	}
	return false
}

func (s *stunTap) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := s.UDPConn.ReadFrom(b)
	if err == nil {
		s.note(b[:n])
	}
	return n, from, err
}
