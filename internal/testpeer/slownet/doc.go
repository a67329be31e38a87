// Package slownet is a slow network link inside the process: a pion
// transport.Net whose UDP sockets delay every packet by a one-way delay
// plus jitter and carry at most a given bit rate through a bounded queue
// that drops when full, in both directions. Tests hand it to a pion client
// (SettingEngine.SetNet) where the kernel has no netem qdisc, or where a
// test may not change the machine's qdiscs.
//
// The model of one direction of one socket follows netem with a rate:
//
//   - A packet first waits for the link: it is serialised at Link.Rate
//     after the packets ahead of it. When more than Link.Queue bytes are
//     already waiting, it is dropped (tail drop) and counted.
//   - It then travels Link.Delay, plus or minus a uniform random share of
//     Link.Jitter (never less than zero). As through netem, a jitter larger
//     than the spacing of the packets reorders them: a delay that varies
//     while order is kept cannot make the RFC 3550 jitter of a stream larger
//     than twice its packet spacing, so a FIFO link could not show what a
//     bad link shows.
//   - At most MaxInFlight packets travel at once; more are dropped, and a
//     receiving socket holds at most RecvBuffer delivered packets not yet
//     read (a full socket buffer drops, as the kernel's does).
//
// Only the sockets of ListenUDP and ListenPacket (where ICE gathers its
// host candidates) are slowed; Dial*, TCP and name resolution are the
// inner Net's. Each socket owns three goroutines (its reader and one
// delivery loop per direction), all ended by its Close.
package slownet
