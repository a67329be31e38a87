package janusref

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
)

// Ports of the HTTP transport (Janus API, Admin API) inside the
// namespace, and the Admin API secret of both servers.
const (
	janusPort      = 8088
	janusAdminPort = 7088
	adminSecret    = "janusref-admin"
)

// requireTool finds a program; missing, the test fails under CI=true (the
// test command installs janus) and skips elsewhere.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found (apt-get install %s): %v", name, name, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// requireRoot: creating a network namespace needs root.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("the Janus reference test creates a network namespace and needs root")
	}
	t.Skip("not root: cannot create a network namespace for Janus")
}

// netns is a network namespace joined to the host by a veth pair: the host
// end has host/30, the namespace end ns/30.
type netns struct {
	name     string
	nsIf     string // interface inside the namespace
	host, ns net.IP
	network  *net.IPNet
}

// run runs one ip(8) command.
func run(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// freeSubnet picks a 10.213.x.0/30 no local interface uses (x from the
// pid, so two runs at once are unlikely to collide).
func freeSubnet() (*net.IPNet, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("interface addresses: %w", err)
	}
	for i := range 64 {
		x := (os.Getpid() + i) % 64
		n := &net.IPNet{IP: net.IPv4(10, 213, byte(x), 0).To4(), Mask: net.CIDRMask(30, 32)}
		used := false
		for _, a := range addrs {
			if in, ok := a.(*net.IPNet); ok && n.Contains(in.IP) {
				used = true
			}
		}
		if !used {
			return n, nil
		}
	}
	return nil, errors.New("no free 10.213.x.0/30 subnet")
}

// newNetns creates the namespace and the veth pair, and deletes both
// (deleting the namespace deletes the pair) when the test ends.
func newNetns(t *testing.T) *netns {
	t.Helper()
	requireRoot(t)
	requireTool(t, "ip")
	removeStaleNetns(t)
	subnet, err := freeSubnet()
	if err != nil {
		t.Fatal(err)
	}
	id := os.Getpid() % 100000
	n := &netns{
		name:    fmt.Sprintf("janusref-%d", os.Getpid()),
		nsIf:    fmt.Sprintf("jrn%d", id),
		host:    net.IPv4(subnet.IP[0], subnet.IP[1], subnet.IP[2], 1).To4(),
		ns:      net.IPv4(subnet.IP[0], subnet.IP[1], subnet.IP[2], 2).To4(),
		network: subnet,
	}
	hostIf := fmt.Sprintf("jrh%d", id)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := run(ctx, "netns", "add", n.name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := run(ctx, "netns", "del", n.name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		_ = run(ctx, "link", "del", hostIf) // gone with the namespace; in case it is not
	})
	steps := [][]string{
		{"link", "add", hostIf, "type", "veth", "peer", "name", n.nsIf, "netns", n.name},
		{"addr", "add", n.host.String() + "/30", "dev", hostIf},
		{"link", "set", hostIf, "up"},
		{"-n", n.name, "addr", "add", n.ns.String() + "/30", "dev", n.nsIf},
		{"-n", n.name, "link", "set", n.nsIf, "up"},
		{"-n", n.name, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := run(ctx, s...); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// removeStaleNetns deletes the namespaces of earlier runs of this test
// whose process is gone (killed before its cleanup ran), with the Janus
// still running inside.
func removeStaleNetns(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		pid, ok := strings.CutPrefix(name, "janusref-")
		if !ok {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue // that run is still going
		}
		pids, _ := exec.CommandContext(ctx, "ip", "netns", "pids", name).Output()
		for _, p := range strings.Fields(string(pids)) {
			var n int
			if _, err := fmt.Sscan(p, &n); err == nil && n > 1 {
				_ = syscall.Kill(n, syscall.SIGKILL)
			}
		}
		if err := run(ctx, "netns", "del", name); err != nil {
			t.Logf("stale namespace: %v", err)
		}
	}
}

// janusLibDir finds Janus's module folder (/usr/lib/<multiarch>/janus).
func janusLibDir(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/*/janus")
	dirs = append(dirs, "/usr/lib/janus")
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "plugins", "libjanus_echotest.so")); err == nil {
			return d
		}
	}
	t.Fatal("janus is installed but its plugins folder (/usr/lib/*/janus/plugins) is not found")
	return ""
}

// janusModules are the modules of the Debian janus package, by janus.jcfg
// section.
func janusModules(section string) []string {
	return map[string][]string{
		"plugins":    {"audiobridge", "duktape", "lua", "nosip", "recordplay", "sip", "streaming", "textroom", "videocall", "voicemail", "echotest", "videoroom"},
		"transports": {"http", "websockets", "mqtt", "nanomsg", "pfunix", "rabbitmq"},
		"events":     {"sampleevh", "gelfevh", "mqttevh", "nanomsgevh", "rabbitmqevh", "wsevh"},
	}[section]
}

// janusMainConfig is janus.jcfg: the module folders under lib, the
// configuration folder %CONFIGS%, the test's admin secret, and of the
// package's plugins, transports and event handlers only those named
// loaded. nat and events are lines added to those sections (each
// tab-indented and ending in a newline).
func janusMainConfig(lib string, plugins, transports, handlers []string, nat, events string) string {
	disable := func(section string, keep []string) string {
		var off []string
		for _, m := range janusModules(section) {
			if !slices.Contains(keep, m) {
				off = append(off, "libjanus_"+m+".so")
			}
		}
		return strings.Join(off, ",")
	}
	return fmt.Sprintf(`general: {
	configs_folder = "%%CONFIGS%%"
	plugins_folder = "%[1]s/plugins"
	transports_folder = "%[1]s/transports"
	events_folder = "%[1]s/events"
	loggers_folder = "%[1]s/loggers"
	debug_level = 4
	server_name = "janusref"
	session_timeout = 60
	admin_secret = "%[2]s"
}
media: {
}
nat: {
%[3]s}
plugins: {
	disable = "%[4]s"
}
transports: {
	disable = "%[5]s"
}
loggers: {
	disable = "libjanus_jsonlog.so"
}
events: {
	broadcast = true
%[6]s	disable = "%[7]s"
}
`, lib, adminSecret, nat, disable("plugins", plugins), disable("transports", transports), events, disable("events", handlers))
}

// janusConfig is the generated configuration folder, one file per module,
// with the keys of Janus's sample configs: only the HTTP transport, the
// EchoTest and VideoRoom plugins and the sample event handler load; media
// stats every second, one event per medium (Argus's defaults too); ICE
// only on the namespace's interface.
func janusConfig(lib, nsIf, backend string) map[string]string {
	return map[string]string{
		"janus.jcfg": janusMainConfig(lib, []string{"echotest", "videoroom"}, []string{"http", "websockets"}, []string{"sampleevh"},
			fmt.Sprintf("\tice_enforce_list = %q\n", nsIf), "\tstats_period = 1\n\tcombine_media_stats = false\n"),
		"janus.transport.http.jcfg": fmt.Sprintf(`general: {
	json = "compact"
	base_path = "/janus"
	http = true
	port = %d
	https = false
}
admin: {
	admin_base_path = "/admin"
	admin_http = true
	admin_port = %d
	admin_https = false
}
`, janusPort, janusAdminPort),
		"janus.eventhandler.sampleevh.jcfg": fmt.Sprintf(`general: {
	enabled = true
	events = "all"
	grouping = true
	json = "compact"
	backend = "%s"
}
`, backend),
		"janus.transport.websockets.jcfg": janusWebSocketsConfig(),
		"janus.plugin.echotest.jcfg":      "general: {\n}\n",
		"janus.plugin.videoroom.jcfg": `general: {
}
room-1234: {
	description = "Demo Room"
	secret = "adminpwd"
	publishers = 6
	bitrate = 128000
	fir_freq = 10
	audiolevel_event = true
	audio_active_packets = 25
	audio_level_average = 25
}
`,
	}
}

// janus is a running Janus in a namespace.
type janus struct {
	url     string     // http://ns:8088/janus
	admin   string     // http://ns:7088/admin
	peerNet *net.IPNet // the network a client peer must gather on
	events  *collector
}

// startJanus starts Janus with a generated configuration in its own
// namespace, with its sample event handler posting to a collector on the
// host end of the veth pair. Janus is stopped (SIGINT, then SIGKILL) and
// the namespace deleted when the test ends.
func startJanus(t *testing.T) *janus {
	t.Helper()
	bin := requireTool(t, "janus")
	ns := newNetns(t)
	lib := janusLibDir(t)
	col := startCollector(t, net.JoinHostPort(ns.host.String(), "0"))
	// ip netns exec execs janus itself: the process is Janus.
	p := runJanus(t, janusConfig(lib, ns.nsIf, col.url), "ip", "netns", "exec", ns.name, bin)
	j := &janus{
		url:     fmt.Sprintf("http://%s/janus", net.JoinHostPort(ns.ns.String(), fmt.Sprint(janusPort))),
		admin:   fmt.Sprintf("http://%s/admin", net.JoinHostPort(ns.ns.String(), fmt.Sprint(janusAdminPort))),
		peerNet: ns.network,
		events:  col,
	}
	testkit.ServerUp(t, "janus", j.url+"/info", 20*time.Second, p.exited, func() string {
		b, _ := os.ReadFile(p.logPath)
		return fmt.Sprintf("wait: %v\n%s", p.waitErr, tail(string(b), 4000))
	})
	return j
}

// janusProc is a Janus process started by runJanus.
type janusProc struct {
	exited  chan struct{} // closed when the process has exited
	waitErr error         // its exit status, set before exited is closed
	logPath string        // its standard output and error
	stop    func()        // SIGINT, then SIGKILL after 10 s; once
}

// runJanus writes configs (file name to text, %CONFIGS% replaced by the
// folder) to a new folder and runs command (Janus's path, or a command
// that execs it) with Janus's options for that folder, which is also its
// working folder: whatever Janus writes there (recordings) goes with the
// test. It is stopped when the test ends or stop is called; the tail of
// its log is logged if the test failed.
func runJanus(t *testing.T, configs map[string]string, command ...string) *janusProc {
	t.Helper()
	dir := t.TempDir()
	for name, text := range configs {
		text = strings.ReplaceAll(text, "%CONFIGS%", dir)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := &janusProc{exited: make(chan struct{}), logPath: filepath.Join(dir, "janus.log")}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := append(slices.Clone(command[1:]), "-C", filepath.Join(dir, "janus.jcfg"), "-F", dir, "-o")
	cmd := exec.Command(command[0], args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("start janus: %v", err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.exited) }()
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			defer logFile.Close()
			_ = cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-p.exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-p.exited
			}
			if t.Failed() {
				if b, err := os.ReadFile(p.logPath); err == nil {
					t.Logf("janus log (tail):\n%s", tail(string(b), 6000))
				}
			}
		})
	}
	t.Cleanup(p.stop)
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
