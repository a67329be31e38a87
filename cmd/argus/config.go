package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
)

// defaultAdminSecret is the admin_secret of Janus's sample janus.jcfg
// (janus-reference.md 2.3). It is public knowledge, so Argus refuses to
// expose the Admin API beyond loopback while it is in use.
const defaultAdminSecret = "janusoverlord"

// envPrefix prefixes the environment variable of every flag: -api-secret
// is ARGUS_API_SECRET.
const envPrefix = "ARGUS_"

// Sentinel configuration errors.
var (
	errDefaultAdminSecret = errors.New("refusing to serve the Admin API on a non-loopback address with the default admin secret")
	errBadEnv             = errors.New("invalid environment variable")
	errBadPortRange       = errors.New("invalid RTP port range")
	errBadMediaSetting    = errors.New("invalid media setting")
)

// config is everything cmd/argus reads from flags and ARGUS_* variables.
// Precedence: built-in default < environment < command-line flag.
type config struct {
	HTTPAddr    string // Janus API over HTTP (/janus) and the demo pages (/)
	WSAddr      string // Janus API over WebSocket (janus-protocol)
	AdminAddr   string // Admin API over HTTP (/admin) and /metrics
	AdminWSAddr string // Admin API over WebSocket (janus-admin-protocol)

	APISecret   string
	TokenAuth   bool
	AdminSecret string
	ServerName  string

	SessionTimeout time.Duration
	ReclaimTimeout time.Duration

	NAT1To1            []string // Janus nat_1_1_mapping: public IPs advertised as host candidates
	KeepPrivateHost    bool     // Janus keep_private_host: with NAT1To1, the private host candidates stay
	ICELite            bool     // Janus ice_lite: ICE-lite agents (host candidates, no checks of their own)
	STUNServers        []string
	LoopbackCandidates bool
	ICEEnforceList     []string      // Janus ice_enforce_list: the only interfaces or addresses ICE gathers on
	ICEIgnoreList      []string      // Janus ice_ignore_list: interfaces or addresses ICE leaves out
	IPv6               bool          // Janus ipv6: gather IPv6 candidates too
	RTPPortRange       portRange     // ICE UDP ports (Janus rtp_port_range), a socket per PeerConnection; zero: ephemeral
	ICEUDPShared       bool          // one UDP socket per local address for every PeerConnection (the default); off, or with RTPPortRange: a socket per PeerConnection
	ICEUDPPort         int           // the shared port's number; 0: an ephemeral port chosen at start
	StatsPeriod        time.Duration // media report period; 0 disables reports
	NoMediaTimer       time.Duration // Janus no_media_timer: "receiving false" after this idle time
	SlowlinkThreshold  int           // Janus slowlink_threshold: lost packets per second; 0 disables
	HangupOnFailed     bool          // Janus 1.2 hangup_on_failed: hang up at once when ICE fails after it was up

	LogLevel slog.Level

	// Telemetry sinks (docs/OBSERVABILITY.md), -metrics among them.
	// Sinks is the raw value of each registered event sink's own flag, by
	// sink name (sinkflags.go): a URL ("" is off) or "true"/"false".
	Sinks    map[string]string
	SinkOpts []string // "sink.key=value" settings of the sinks above

	// PluginConfig are the -plugin-config entries, "package=file";
	// pluginCfg their files, read by validate (pluginconfig.go).
	PluginConfig []string
	pluginCfg    map[string]json.RawMessage

	transports []transportSetup // self-registered transports and their flags (transports.go)
	Limits     limits           // hardening flags (limits.go, docs/SECURITY.md)
}

// defaultConfig returns Janus's defaults (DESIGN.md "Defaults").
func defaultConfig() config {
	return config{
		HTTPAddr:           ":8088",
		WSAddr:             ":8188",
		AdminAddr:          "127.0.0.1:7088",
		AdminWSAddr:        "127.0.0.1:7188",
		AdminSecret:        defaultAdminSecret,
		ServerName:         "Argus",
		SessionTimeout:     60 * time.Second,
		LoopbackCandidates: true,
		ICEUDPShared:       true,
		ICEIgnoreList:      []string{"vmnet"}, // Janus's default: VMware's interfaces
		StatsPeriod:        time.Second,
		NoMediaTimer:       time.Second,
		LogLevel:           slog.LevelInfo,
		Sinks:              defaultSinkFlags(),
		Limits:             defaultLimits(),
	}
}

// flagSet binds c's fields to a new FlagSet; c holds the defaults.
func (c *config) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("argus", flag.ContinueOnError)
	// The flag package would print a parse error and the usage, and run
	// prints the error again: parse silently, print -help's usage here.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&c.HTTPAddr, "http", c.HTTPAddr, "Janus API over HTTP (`addr`, path /janus) and demo pages at /; empty disables")
	fs.StringVar(&c.WSAddr, "ws", c.WSAddr, "Janus API over WebSocket (`addr`, subprotocol janus-protocol); empty disables")
	fs.StringVar(&c.AdminAddr, "admin", c.AdminAddr, "Admin API over HTTP (`addr`, path /admin) and /metrics; empty disables")
	fs.StringVar(&c.AdminWSAddr, "admin-ws", c.AdminWSAddr, "Admin API over WebSocket (`addr`, subprotocol janus-admin-protocol); empty disables")
	fs.StringVar(&c.APISecret, "api-secret", c.APISecret, "Janus api_secret every client request must carry; empty disables")
	fs.BoolVar(&c.TokenAuth, "token-auth", c.TokenAuth, "Janus token_auth: require a token added with the Admin API")
	fs.StringVar(&c.AdminSecret, "admin-secret", c.AdminSecret, "Janus admin_secret for the Admin API")
	fs.StringVar(&c.ServerName, "server-name", c.ServerName, "server name in info responses and events")
	fs.Var((*secondsValue)(&c.SessionTimeout), "session-timeout", "Janus session_timeout (seconds, or a Go duration); 0 disables")
	fs.Var((*secondsValue)(&c.ReclaimTimeout), "reclaim-timeout", "Janus reclaim_session_timeout (seconds, or a Go duration)")
	fs.Var((*listValue)(&c.NAT1To1), "nat-1-1", "Janus nat_1_1_mapping: comma-separated public `IPs` advertised as host candidates in place of the local addresses; public/local pins one to a local address")
	fs.BoolVar(&c.KeepPrivateHost, "keep-private-host", c.KeepPrivateHost, "Janus keep_private_host: with -nat-1-1, advertise the private host candidates too, the public ones added")
	fs.BoolVar(&c.ICELite, "ice-lite", c.ICELite, "Janus ice_lite: PeerConnections are ICE-lite agents (host candidates only, a=ice-lite, the client's checks keep consent); excludes -stun")
	fs.Var((*listValue)(&c.STUNServers), "stun", "comma-separated STUN `servers` (stun:host:port)")
	fs.BoolVar(&c.LoopbackCandidates, "loopback-candidates", c.LoopbackCandidates, "gather 127.0.0.1 ICE candidates (local demos and tests; turn off in production)")
	fs.Var((*listValue)(&c.ICEEnforceList), "ice-enforce-list", "Janus ice_enforce_list: the only interfaces or `addresses` ICE gathers candidates on, comma-separated prefixes (eth0, eth, 192.168.); empty: all")
	fs.Var((*listValue)(&c.ICEIgnoreList), "ice-ignore-list", "Janus ice_ignore_list: interfaces or `addresses` ICE leaves out, comma-separated prefixes; not used with -ice-enforce-list")
	fs.BoolVar(&c.IPv6, "ipv6", c.IPv6, "Janus ipv6: gather IPv6 ICE candidates too (off: IPv4 only, as Janus's default)")
	fs.Var(&c.RTPPortRange, "rtp-port-range", "UDP port `range` min-max of ICE candidates (Janus rtp_port_range, e.g. 20000-40000): a socket per PeerConnection in that range, as in Janus, instead of the shared port; empty: the shared port (-ice-udp-shared)")
	fs.BoolVar(&c.ICEUDPShared, "ice-udp-shared", c.ICEUDPShared, "every PeerConnection shares one UDP socket per local address (-ice-udp-port), with batched sends and reads; false: a socket per PeerConnection on an ephemeral port, as Janus (also with -rtp-port-range)")
	fs.IntVar(&c.ICEUDPPort, "ice-udp-port", c.ICEUDPPort, "Argus only (LiveKit's udp_port): the shared ICE UDP `port` (1-65535) on every local address; 0: an ephemeral port chosen at start. Excludes -rtp-port-range and -ice-udp-shared=false")
	fs.DurationVar(&c.StatsPeriod, "stats-period", c.StatsPeriod, "media report period; 0 disables media reports")
	fs.Var((*secondsValue)(&c.NoMediaTimer), "no-media-timer", "Janus no_media_timer: `seconds` (or a Go duration) without media before a \"receiving\": false event")
	fs.IntVar(&c.SlowlinkThreshold, "slowlink-threshold", c.SlowlinkThreshold, "Janus slowlink_threshold: lost `packets` per second that raise a slowlink event; 0 disables")
	fs.BoolVar(&c.HangupOnFailed, "hangup-on-failed", c.HangupOnFailed, "Janus 1.2 hangup_on_failed: hang up at once when ICE fails after it was up (else after 5 s); \"ice-failed\" is sent either way")
	fs.Var((*levelValue)(&c.LogLevel), "log-level", "log `level`: debug, info, warn or error")
	addSinkFlags(fs, c)
	c.Limits.register(fs)
	fs.Var(&appendValue{list: &c.PluginConfig}, "plugin-config", "a plugin's configuration, `package=file`: the JSON section of e.g. janus.plugin.videoroom (rooms, admin_key, limits; see the plugin's README), as Janus's janus.plugin.<name>.jcfg; repeatable (env: separated by ;)")
	fs.Var(&appendValue{list: &c.SinkOpts}, "sink-opt", "a sink `setting` sink.key=value, e.g. hep.capture_id=2001 or http.events=sessions,handles; repeatable (env: separated by ;)")
	c.transports = bindTransportFlags(fs)
	return fs
}

// envName is the ARGUS_* variable of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig builds the configuration from defaults, then the ARGUS_*
// variables getenv returns, then args; then validates it.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	c := defaultConfig()
	fs := c.flagSet(out)
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v := getenv(name)
		if v == "" || envErr != nil {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			envErr = fmt.Errorf("%w %s=%q: %w", errBadEnv, name, v, err)
		}
	})
	if envErr != nil {
		return c, envErr
	}
	fs.VisitAll(func(f *flag.Flag) { // flags replace, not extend, env lists
		if a, ok := f.Value.(*appendValue); ok {
			a.replaceNext = true
		}
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(fs, out)
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	err := c.validate() // before c is returned: validate reads the plugin configurations into it
	return c, err
}

// sharedUDP tells whether every PeerConnection shares the ICE UDP port:
// the default, unless -ice-udp-shared=false or -rtp-port-range (Janus's
// rtp_port_range, a socket per PeerConnection in the range) asks for a
// socket per PeerConnection.
func (c *config) sharedUDP() bool {
	return c.ICEUDPShared && !c.RTPPortRange.set()
}

// validate refuses configurations that would be unsafe or cannot work.
func (c *config) validate() error {
	for _, a := range []struct{ flag, addr string }{{"admin", c.AdminAddr}, {"admin-ws", c.AdminWSAddr}} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return fmt.Errorf("-%s %q: %w", a.flag, a.addr, err)
		}
		if c.AdminSecret == defaultAdminSecret && !isLoopback(a.addr) {
			return fmt.Errorf("%w: -%s %s; set -admin-secret (ARGUS_ADMIN_SECRET) or bind the Admin API to 127.0.0.1", errDefaultAdminSecret, a.flag, a.addr)
		}
	}
	for _, a := range []struct{ flag, addr string }{{"http", c.HTTPAddr}, {"ws", c.WSAddr}} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return fmt.Errorf("-%s %q: %w", a.flag, a.addr, err)
		}
	}
	var err error
	if c.pluginCfg, err = pluginConfigs(c.PluginConfig, core.RegisteredPlugins()); err != nil {
		return err
	}
	if c.SessionTimeout < 0 || c.ReclaimTimeout < 0 || c.StatsPeriod < 0 {
		return errors.New("timeouts and periods must not be negative")
	}
	if c.NoMediaTimer <= 0 {
		return fmt.Errorf("%w: -no-media-timer %v must be positive", errBadMediaSetting, c.NoMediaTimer)
	}
	if c.ICEUDPPort < 0 || c.ICEUDPPort > 65535 {
		return fmt.Errorf("%w: -ice-udp-port %d", errBadPortRange, c.ICEUDPPort)
	}
	if c.ICEUDPPort != 0 && c.RTPPortRange.set() {
		return fmt.Errorf("%w: -ice-udp-port and -rtp-port-range exclude each other", errBadPortRange)
	}
	if c.ICEUDPPort != 0 && !c.ICEUDPShared {
		return fmt.Errorf("%w: -ice-udp-port with -ice-udp-shared=false", errBadPortRange)
	}
	if err := webrtc.ValidateNAT1To1(c.NAT1To1); err != nil {
		return fmt.Errorf("-nat-1-1: %w", err)
	}
	if c.ICELite && len(c.STUNServers) > 0 {
		return fmt.Errorf("%w: -ice-lite with -stun", webrtc.ErrICELiteConfig)
	}
	if c.SlowlinkThreshold < 0 {
		return fmt.Errorf("%w: -slowlink-threshold %d must not be negative", errBadMediaSetting, c.SlowlinkThreshold)
	}
	if err := c.validateSinkOpts(); err != nil {
		return err
	}
	if c.AdminSecret == "" && (c.AdminAddr != "" || c.AdminWSAddr != "") {
		return errors.New("-admin-secret must not be empty while the Admin API is served")
	}
	return c.Limits.validate()
}

// isLoopback reports whether a listen address binds only loopback
// interfaces. An empty host (":7088") binds every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secondsValue is a duration flag that also accepts a bare number of
// seconds, as Janus's session_timeout.
type secondsValue time.Duration

func (s *secondsValue) String() string { return time.Duration(*s).String() }

func (s *secondsValue) Set(v string) error {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		*s = secondsValue(time.Duration(n) * time.Second)
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("want seconds or a duration: %w", err)
	}
	*s = secondsValue(d)
	return nil
}

// listValue is a comma-separated list flag; each Set replaces the list.
type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }

func (l *listValue) Set(v string) error {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	*l = out
	return nil
}

// levelValue is a log/slog level flag.
type levelValue slog.Level

func (l *levelValue) String() string { return slog.Level(*l).String() }

func (l *levelValue) Set(v string) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(v)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	*l = levelValue(lv)
	return nil
}

// appendValue is a repeatable flag; one value may also hold several
// entries separated by ";" (the form of its ARGUS_* variable). The first
// Set after replaceNext drops the earlier entries, so flags replace the
// environment's list.
type appendValue struct {
	list        *[]string
	replaceNext bool
}

func (a *appendValue) String() string {
	if a.list == nil {
		return ""
	}
	return strings.Join(*a.list, ";")
}

func (a *appendValue) Set(v string) error {
	if a.replaceNext {
		*a.list = nil
		a.replaceNext = false
	}
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			*a.list = append(*a.list, s)
		}
	}
	return nil
}
