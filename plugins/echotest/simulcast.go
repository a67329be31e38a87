package echotest

import (
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// Simulcast defaults and limits (janus-reference.md 5: substream and
// temporal 0-2, 0 the lowest; Janus starts at the highest).
const (
	maxLayer = 2
	// simPLIGap is the minimum time between two keyframe requests while a
	// switch waits for a keyframe of the new layer.
	simPLIGap = 300 * time.Millisecond
	// videoTSStep moves the echoed timestamps one 30 fps frame forward at
	// a layer switch, so the client's jitter buffer sees time advance.
	videoTSStep = 3000
)

// simulcast is the layer selection and rewriting state of one simulcast
// video m-line: only the current layer is echoed, with sequence numbers
// and timestamps rewritten so the echo stays continuous across switches.
type simulcast struct {
	vp8 bool // temporal filtering and keyframe detection need VP8

	mu       sync.Mutex
	rids     map[string]int
	ssrcs    [maxLayer + 1]uint32
	top      int // highest layer seen, -1 before any
	current  int // layer echoed, -1 before the first keyframe
	temporal int // last temporal layer reported, -1 before any
	started  bool
	seqOff   uint16
	tsOff    uint32
	lastSeq  uint16
	lastTS   uint32
	lastPLI  time.Time
}

func newSimulcast(vp8 bool) *simulcast {
	return &simulcast{vp8: vp8, rids: map[string]int{}, top: -1, current: -1, temporal: -1}
}

// setOrder maps the m-line's RIDs, as the client's SDP lists them, to
// layers (0 lowest … 2 highest): by name when they all follow one usual
// naming (l/m/h, or q/h/f), else by position, the first the highest
// (Janus's default rid_order "hml"). It only acts once.
func (c *simulcast) setOrder(rids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.rids) > 0 || len(rids) == 0 {
		return
	}
	for _, names := range []map[string]int{{"l": 0, "m": 1, "h": 2}, {"q": 0, "h": 1, "f": 2}} {
		all := true
		for _, rid := range rids {
			_, ok := names[strings.ToLower(rid)]
			all = all && ok
		}
		if all {
			for _, rid := range rids {
				c.rids[rid] = names[strings.ToLower(rid)]
			}
			return
		}
	}
	for i, rid := range rids {
		c.rids[rid] = max(min(len(rids)-1-i, maxLayer), 0)
	}
}

// layerOf is the layer of a RID (see setOrder; a RID the SDP did not
// list gets the next free position) and records the layer's SSRC.
func (c *simulcast) layerOf(rid string, ssrc uint32) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.rids[rid]
	if !ok {
		l = min(len(c.rids), maxLayer)
		c.rids[rid] = l
	}
	c.ssrcs[l] = ssrc
	c.top = max(c.top, l)
	return l
}

// effective is the layer to echo for target: the target or the highest
// seen below it; callers hold c.mu.
func (c *simulcast) effective(target int) int {
	for l := min(target, c.top); l > 0; l-- {
		if c.ssrcs[l] != 0 {
			return l
		}
	}
	return 0
}

// targetSSRC is the SSRC of the layer to echo, for keyframe requests.
func (c *simulcast) targetSSRC(target int) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ssrcs[c.effective(target)]
}

// verdict is what to do with one packet.
type verdict struct {
	forward     bool
	seq         uint16
	ts          uint32
	pli         uint32 // SSRC to ask for a keyframe, 0 for none
	substream   int    // layer reached, -1 for none
	temporalNow int    // temporal layer reached, -1 for none
}

// accept decides whether pkt of layer is echoed for the wanted substream
// and temporal layer, and computes its rewritten seq and timestamp. A
// switch to another layer happens at a keyframe of that layer.
func (c *simulcast) accept(layer int, pkt *rtp.Packet, substream, temporal int, now time.Time) verdict {
	v := verdict{substream: -1, temporalNow: -1}
	var vp codecs.VP8Packet
	hasVP8 := c.vp8 && len(pkt.Payload) > 0
	if hasVP8 {
		if _, err := vp.Unmarshal(pkt.Payload); err != nil {
			hasVP8 = false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	want := c.effective(substream)
	if layer != c.current {
		if layer != want {
			return v
		}
		if c.vp8 && !(hasVP8 && isVP8Keyframe(&vp)) {
			if now.Sub(c.lastPLI) >= simPLIGap {
				c.lastPLI = now
				v.pli = c.ssrcs[layer]
			}
			return v
		}
		// Switch here: continue right after the last echoed packet.
		if c.started {
			c.seqOff = c.lastSeq + 1 - pkt.SequenceNumber
			c.tsOff = c.lastTS + videoTSStep - pkt.Timestamp
		}
		c.current, c.started = layer, true
		c.lastSeq = pkt.SequenceNumber + c.seqOff - 1
		v.substream = layer
	}
	if hasVP8 && vp.T == 1 && int(vp.TID) > temporal {
		// Dropped: later packets of this layer close the gap.
		c.seqOff--
		return v
	}
	if hasVP8 && vp.T == 1 && int(vp.TID) == temporal && c.temporal != temporal {
		c.temporal = temporal
		v.temporalNow = temporal
	}
	v.forward = true
	v.seq = pkt.SequenceNumber + c.seqOff
	v.ts = pkt.Timestamp + c.tsOff
	if int16(v.seq-c.lastSeq) > 0 {
		c.lastSeq, c.lastTS = v.seq, v.ts
	}
	return v
}

// isVP8Keyframe reports whether a parsed VP8 packet starts a keyframe:
// start of partition 0 with the payload header's P bit clear (RFC 7741).
func isVP8Keyframe(vp *codecs.VP8Packet) bool {
	return vp.S == 1 && vp.PID == 0 && len(vp.Payload) > 0 && vp.Payload[0]&0x01 == 0
}
