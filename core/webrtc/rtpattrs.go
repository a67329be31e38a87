package webrtc

import (
	"strings"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// headerCacheFactory builds the innermost interceptor of the chain: on each
// incoming media stream it parses the RTP header once per packet into a
// header and an attributes map both reused for the stream's whole life.
//
// pion's track read path hands the interceptors no attributes map, so each
// interceptor that needs the header (NACK generator, receiver reports,
// TWCC, statistics) either allocated its own map and *rtp.Header or, with
// no map to cache it in, parsed the header again: two maps and two headers
// per received packet. Interceptors further out find the header cached in
// the map this one returns.
//
// Reuse is safe because one stream's packets are read one at a time by one
// goroutine, and nothing keeps the map past the read (the plugins ignore
// it; pion's interceptors use it within the call, as they use the packet
// buffer). Repair (RTX) streams are left alone: pion passes their
// attributes to the track reader over a channel.
type headerCacheFactory struct {
	key any // pion's unexported attributes key of the cached *rtp.Header
}

func newHeaderCacheFactory() *headerCacheFactory {
	return &headerCacheFactory{key: rtpHeaderAttributeKey()}
}

// rtpHeaderAttributeKey finds the key under which pion's
// Attributes.GetRTPHeader caches the header, by letting it cache one.
// nil if that ever changes (then only the map is reused).
func rtpHeaderAttributeKey() any {
	a := interceptor.Attributes{}
	probe := []byte{0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}
	h, err := a.GetRTPHeader(probe)
	if err != nil {
		return nil
	}
	for k, v := range a {
		if v == any(h) {
			return k
		}
	}
	return nil
}

// NewInterceptor implements interceptor.Factory.
func (f *headerCacheFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &headerCache{key: f.key}, nil
}

// headerCache is one PeerConnection's instance (see headerCacheFactory).
type headerCache struct {
	interceptor.NoOp
	key any
}

// isRepairStream reports streams whose attributes pion hands across
// goroutines (RTX, FEC).
func isRepairStream(info *interceptor.StreamInfo) bool {
	m := strings.ToLower(info.MimeType)
	return strings.HasSuffix(m, "/rtx") || strings.HasSuffix(m, "/ulpfec") || strings.HasSuffix(m, "/flexfec-03")
}

// BindRemoteStream parses each packet's header once into reused storage.
func (c *headerCache) BindRemoteStream(info *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	if isRepairStream(info) {
		return reader
	}
	attrs := interceptor.Attributes{}
	hdr := &rtp.Header{}
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err != nil || attr != nil {
			return n, attr, err
		}
		clear(attrs)
		if c.key != nil {
			if _, perr := hdr.Unmarshal(b[:n]); perr == nil {
				attrs[c.key] = hdr
			}
		}
		return n, attrs, nil
	})
}

var (
	_ interceptor.Interceptor = (*headerCache)(nil)
	_ interceptor.Factory     = (*headerCacheFactory)(nil)
)
