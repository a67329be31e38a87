package httpevh_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/httpevh"
)

// rawServer is an HTTP/1.1 backend that answers every request with 200 and
// an empty body, reading requests with one buffer per connection: it
// allocates next to nothing per request, so a benchmark's B/op and
// allocs/op are the client's. With closing it closes the connection after
// each answer, as an HTTP/1.0 backend does (bench/compare.sh's receiver until
// it kept connections open).
// It returns the URL and the byte count of the request bodies it read.
func rawServer(b *testing.B, closing bool) (string, func() int64) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var (
		mu   sync.Mutex
		body int64
	)
	readers := make(chan *bufio.Reader, 4) // reused from connection to connection
	serve := func(c net.Conn) {
		var br *bufio.Reader
		select {
		case br = <-readers:
			br.Reset(c)
		default:
			br = bufio.NewReaderSize(c, 64<<10)
		}
		defer func() {
			select {
			case readers <- br:
			default:
			}
		}()
		resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		if closing {
			resp = []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		}
		for {
			n := int64(0)
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				if len(line) <= 2 {
					break
				}
				if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
					n, _ = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
				}
			}
			if _, err := br.Discard(int(n)); err != nil {
				return
			}
			mu.Lock()
			body += n
			mu.Unlock()
			if _, err := c.Write(resp); err != nil || closing {
				_ = c.Close()
				return
			}
		}
	}
	b.Cleanup(testkit.ServeConns(ln, serve))
	return "http://" + ln.Addr().String() + "/events", func() int64 {
		mu.Lock()
		defer mu.Unlock()
		return body
	}
}

// capture is a JSON sink that keeps what the bus hands it.
type capture struct {
	mu  sync.Mutex
	evs []*telemetry.Event
}

func (c *capture) Export(_ context.Context, batch []*telemetry.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evs = append(c.evs, batch...)
	return nil
}

func (c *capture) Shutdown(context.Context) error { return nil }
func (c *capture) SharesJSON() bool               { return true }

// busMediaReports returns n media reports (video and audio of one
// PeerConnection, as core emits them) that went through a bus with a JSON
// sink attached, their JSON encoded once: what the HTTP sink's Export gets
// in Argus, where another sink (HEP) or the first POST already encoded them.
func busMediaReports(b *testing.B, n int) []*telemetry.Event {
	b.Helper()
	c := &capture{}
	bus := telemetry.NewBus()
	if err := bus.Attach("capture", c, telemetry.MaskAll); err != nil {
		b.Fatal(err)
	}
	ts := telemetry.Now()
	for i := range n {
		media, mid, codec, base := "video", "1", "vp8", 90000
		if i%2 == 1 {
			media, mid, codec, base = "audio", "0", "opus", 48000
		}
		k := uint64(i + 1)
		bus.Emit(&telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport,
			Timestamp: ts + int64(i), SessionID: 1234567890 + k, HandleID: 987654321 + k, OpaqueID: "echotest-abc",
			Body: telemetry.MediaReportBody{Mid: mid, MIndex: i % 2, Media: media,
				PacketsReceived: 6000 * k, PacketsSent: 6000 * k, BytesReceived: 6000000 * k, BytesSent: 6000000 * k,
				RTPStats: &telemetry.RTPStats{Codec: codec, Base: uint32(base), RTT: 12, JitterLocal: 2, JitterRemote: 3,
					InLinkQuality: 100, InMediaLinkQuality: 100, OutLinkQuality: 100, OutMediaLinkQuality: 100,
					BytesReceivedLastSec: 300000, BytesSentLastSec: 300000, NACKsReceived: 3, NACKsSent: 2}}})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bus.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
	if len(c.evs) != n {
		b.Fatalf("captured %d events, want %d", len(c.evs), n)
	}
	for _, e := range c.evs {
		if _, err := e.JSON(); err != nil {
			b.Fatal(err)
		}
	}
	return c.evs
}

// BenchmarkPost is one grouped POST of 100 media reports (a second of
// EchoTest 50) to a local backend, in Janus 1.1.2's default indented
// layout and compact: encoding, the request and net/http's transport;
// indented-close to a backend that closes the connection after each
// answer (a new connection per POST); indented-100+30 is a batch of 130
// events, two POSTs (a full group and the rest) per op.
func BenchmarkPost(b *testing.B) {
	all := busMediaReports(b, httpevh.MaxGroup+30)
	for _, bc := range []struct {
		name    string
		f       httpevh.Format
		closing bool
		n       int
	}{
		{"indented", httpevh.FormatIndented, false, httpevh.MaxGroup},
		{"compact", httpevh.FormatCompact, false, httpevh.MaxGroup},
		{"indented-close", httpevh.FormatIndented, true, httpevh.MaxGroup},
		{"indented-100+30", httpevh.FormatIndented, false, httpevh.MaxGroup + 30},
	} {
		evs := all[:bc.n]
		b.Run(bc.name, func(b *testing.B) {
			url, read := rawServer(b, bc.closing)
			cfg := httpevh.DefaultConfig(url)
			cfg.Format = bc.f
			s, err := httpevh.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Shutdown(context.Background()) })
			ctx := context.Background()
			if err := s.Export(ctx, evs); err != nil { // connect outside the loop
				b.Fatal(err)
			}
			before := read()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Export(ctx, evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(read()-before)/float64(b.N), "body-B/op")
		})
	}
}
