package webrtc

import (
	pion "github.com/pion/webrtc/v4"
)

// Receiver RTCP. pion routes an incoming RTCP packet by the SSRCs it is
// about: a peer's sender report about its own stream goes to the
// RTPReceiver of that stream (and, when it carries report blocks about
// our streams, as a browser that also receives sends them, to those
// senders too: mediaWatch then sees it twice, which only repeats the same
// stores), and the interceptors (mediaWatch) see it on a receiver only
// when someone reads that receiver's RTCP. Plugins read their senders' RTCP (feedback), not their
// receivers', so mediaWatch never saw the peer's SRs, our receiver reports
// carried no LSR/DLSR, and the browser had no round-trip time for what it
// sends (remote-inbound-rtp in chrome://webrtc-internals; Janus gives it
// one); the unread packets also sat in the receiver's RTCP queue.
//
// So the Peer reads the RTCP of each stream it receives, from the time the
// stream delivers its first packet (reading a receiver that has not
// started would block) until pion closes the receiver: one goroutine per
// received stream, waking once per report of the peer. The read must be a
// blocking one: DLSR counts from the SR's arrival, and only a reader
// waiting for it learns that (pion's queue keeps no arrival times, and a
// read with an expired deadline returns nothing even when a packet waits).

// readReceiverRTCP starts a reader for each received stream that has
// delivered packets and has none yet. Run loop only.
func (p *Peer) readReceiverRTCP() {
	if p.closed() {
		return
	}
	for _, t := range p.pc.GetTransceivers() {
		r := t.Receiver()
		if r == nil {
			continue
		}
		for _, tr := range r.Tracks() {
			ssrc := uint32(tr.SSRC())
			if ssrc == 0 || p.rtcpReaders[ssrc] {
				continue
			}
			if c := p.watch.stream(true, ssrc); c == nil || c.packets.Load() == 0 {
				continue
			}
			if p.rtcpReaders == nil {
				p.rtcpReaders = map[uint32]bool{}
			}
			p.rtcpReaders[ssrc] = true
			rid := tr.RID()
			p.readers.Add(1)
			go func() { // not WaitGroup.Go: its stacks then name this function as their creator
				defer p.readers.Done()
				drainRTCPOf(r, rid)
			}()
		}
	}
}

// drainRTCPOf reads a receiver's RTCP (of the simulcast layer rid, if
// any) through the interceptors until the receiver closes.
func drainRTCPOf(r *pion.RTPReceiver, rid string) {
	buf := make([]byte, receiveMTU)
	for {
		var err error
		if rid != "" {
			_, _, err = r.ReadSimulcast(buf, rid)
		} else {
			_, _, err = r.Read(buf)
		}
		if err != nil {
			return
		}
	}
}
