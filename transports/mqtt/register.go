package mqtt

import (
	"context"
	"flag"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/transports"
)

func init() {
	transports.Register(transports.Registration{
		Package: Package,
		Info: core.ModuleInfo{
			Name: "JSON over MQTT transport", Author: core.Author,
			Description:   "The Janus API and Admin API over MQTT topics (to-janus / from-janus).",
			VersionString: core.VersionString, Version: core.Version,
		},
		Flags: func(fs *flag.FlagSet) transports.Setup {
			s := &setup{}
			fs.StringVar(&s.url, "mqtt", "", "Janus API (and with admin_enabled=true the Admin API) over MQTT: broker `URL` mqtt://user:pass@host:1883?subscribe_topic=to-janus&publish_topic=from-janus; empty disables")
			return s
		},
	})
}

type setup struct{ url string }

func (s *setup) Enabled() bool { return s.url != "" }

func (s *setup) Start(ctx context.Context, d transports.Deps) (transports.Running, error) {
	cfg, err := ParseURL(s.url)
	if err != nil {
		return nil, err
	}
	cfg.Gateway, cfg.Emitter, cfg.ServerName = d.Gateway, d.Emitter, d.ServerName
	cfg.Logger = d.Logger.With("transport", Package)
	return Start(ctx, cfg)
}
