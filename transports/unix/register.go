package unix

import (
	"context"
	"flag"

	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports"
)

func init() {
	transports.Register(transports.Registration{
		Package: Package,
		Info: transports.Module("JSON over Unix Sockets transport",
			"The Janus API and Admin API over Unix sockets (SOCK_SEQPACKET or SOCK_DGRAM)."),
		Flags:   flags,
		Refuses: []string{transports.ReasonLimit, transports.ReasonClosing, transports.ReasonUnbound},
	})
}

// setup is the parsed -unix* flags.
type setup struct {
	path, adminPath, typ, adminTyp string
	json                           string
}

func flags(fs *flag.FlagSet) transports.Setup {
	s := &setup{}
	fs.StringVar(&s.path, "unix", "", "Janus API over a Unix socket at `path` (Janus pfunix); empty disables")
	fs.StringVar(&s.adminPath, "admin-unix", "", "Admin API over a Unix socket at `path`; empty disables")
	fs.StringVar(&s.typ, "unix-type", SeqPacket, "socket `type` of -unix: SOCK_SEQPACKET or SOCK_DGRAM")
	fs.StringVar(&s.adminTyp, "admin-unix-type", SeqPacket, "socket `type` of -admin-unix: SOCK_SEQPACKET or SOCK_DGRAM")
	fs.StringVar(&s.json, "unix-json", string(evhkit.Indented),
		"JSON `layout` of what -unix and -admin-unix send: indented (Janus's default), plain or compact")
	return s
}

func (s *setup) Enabled() bool { return s.path != "" || s.adminPath != "" }

// running is the one or two sockets started.
type running []*Transport

func (r running) Close() {
	for _, t := range r {
		t.Close()
	}
}

// Dropped counts the messages both sockets dropped.
func (r running) Dropped() uint64 {
	var n uint64
	for _, t := range r {
		n += t.Dropped()
	}
	return n
}

func (s *setup) Start(ctx context.Context, d transports.Deps) (transports.Running, error) {
	var r running
	for _, p := range []struct {
		path, typ string
		admin     bool
	}{{s.path, s.typ, false}, {s.adminPath, s.adminTyp, true}} {
		if p.path == "" {
			continue
		}
		t, err := Start(ctx, Config{
			Gateway: d.Gateway, Emitter: d.Emitter, ServerName: d.ServerName,
			Logger:   d.Logger.With("transport", Package, "admin", p.admin),
			Refusals: d.Refusals, Path: p.path, Type: p.typ, Admin: p.admin, JSON: evhkit.Format(s.json),
		})
		if err != nil {
			r.Close()
			return nil, err
		}
		r = append(r, t)
	}
	return r, nil
}
