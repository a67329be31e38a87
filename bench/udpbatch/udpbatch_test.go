// Package udpbatch measures what batched UDP sends would save on the
// fan-out path: one sendto per packet, as pion's ICE writes today, against
// sendmmsg carrying many packets (to different destinations) per system
// call, as a single-port socket with batched writes could. It is a
// benchmark only (docs/BENCHMARKS.md, issue 11); the opt-in shared ICE UDP
// port (core/webrtc/batchconn, -ice-udp-port) is what sends in batches.
package udpbatch

import (
	"net"
	"net/netip"
	"sync"
	"testing"

	"golang.org/x/net/ipv4"

	"github.com/argusrtc/argus/internal/testkit"
)

const (
	payloadSize = 1000 // a VP8 packet of the load tool
	receivers   = 16   // subscribers' sockets, written round robin
)

// sink is receivers loopback sockets drained by one goroutine each until
// the benchmark ends.
func sink(b *testing.B) []netip.AddrPort {
	b.Helper()
	var wg sync.WaitGroup
	b.Cleanup(wg.Wait) // runs last: after the sockets' Close below
	addrs := make([]netip.AddrPort, receivers)
	for i := range addrs {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		addrs[i] = c.LocalAddr().(*net.UDPAddr).AddrPort()
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 2048)
			for {
				if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
					return
				}
			}
		}()
		b.Cleanup(func() { _ = c.Close() })
	}
	return addrs
}

// BenchmarkSendto: one system call per packet (ns/op is per packet).
func BenchmarkSendto(b *testing.B) {
	dst := sink(b)
	c := testkit.LoopbackUDP(b)
	pkt := make([]byte, payloadSize)
	b.SetBytes(payloadSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.WriteToUDPAddrPort(pkt, dst[i%receivers]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendmmsg: batches of 8, 32 and 64 packets per system call
// (ns/op is per packet, as above).
func BenchmarkSendmmsg(b *testing.B) {
	for _, batch := range []int{8, 32, 64} {
		b.Run(map[int]string{8: "batch8", 32: "batch32", 64: "batch64"}[batch], func(b *testing.B) {
			dst := sink(b)
			c := testkit.LoopbackUDP(b)
			pc := ipv4.NewPacketConn(c)
			msgs := make([]ipv4.Message, batch)
			pkt := make([]byte, payloadSize)
			for i := range msgs {
				msgs[i].Buffers = [][]byte{pkt}
				msgs[i].Addr = net.UDPAddrFromAddrPort(dst[i%receivers])
			}
			b.SetBytes(payloadSize)
			b.ReportAllocs()
			b.ResetTimer()
			for sent := 0; b.Loop(); {
				if sent%batch == 0 {
					if _, err := pc.WriteBatch(msgs, 0); err != nil {
						b.Fatal(err)
					}
				}
				sent++
			}
		})
	}
}
