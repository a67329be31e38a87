package dashboards

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with continuations joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, COPY...
	args string
}

// parseDockerfile splits a Dockerfile into instructions: comments and
// blank lines dropped, lines ending in a backslash joined.
func parseDockerfile(path string) ([]instruction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out   []instruction
		cur   strings.Builder
		start int
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		} else if strings.HasPrefix(line, "#") {
			continue // comment inside a continuation
		}
		if b, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(b + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	return out, sc.Err()
}

var knownInstructions = map[string]bool{
	"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true, "ADD": true,
	"COPY": true, "ENTRYPOINT": true, "VOLUME": true, "USER": true, "WORKDIR": true, "ARG": true,
	"ONBUILD": true, "STOPSIGNAL": true, "HEALTHCHECK": true, "SHELL": true,
}

func TestDockerfile(t *testing.T) {
	ins, err := parseDockerfile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string]bool{}
	var froms []instruction
	lastUser, entrypoint := "", ""
	builds := false
	for _, in := range ins {
		if !knownInstructions[in.cmd] {
			t.Errorf("line %d: unknown instruction %q", in.line, in.cmd)
		}
		switch in.cmd {
		case "FROM":
			froms = append(froms, in)
			f := strings.Fields(in.args)
			if err := pinned(f[0]); err != nil {
				t.Errorf("line %d: FROM %v", in.line, err)
			}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stages[f[2]] = true
			}
			lastUser, entrypoint = "", ""
		case "COPY":
			checkCopy(t, in, stages)
		case "USER":
			lastUser = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "RUN":
			if strings.Contains(in.args, "go build") && strings.Contains(in.args, "./cmd/argus") {
				builds = true
			}
		}
	}
	if len(froms) < 2 {
		t.Errorf("%d FROM lines, want a multi-stage build", len(froms))
	}
	if !builds {
		t.Error("no RUN go build ... ./cmd/argus")
	}
	if u := strings.Split(lastUser, ":")[0]; u == "" || u == "root" || u == "0" {
		t.Errorf("final stage runs as %q, want a non-root USER", lastUser)
	}
	var argv []string
	if err := json.Unmarshal([]byte(entrypoint), &argv); err != nil || len(argv) == 0 {
		t.Errorf("final ENTRYPOINT %q is not exec form: %v", entrypoint, err)
	}
}

// checkCopy: --from names an earlier stage; other sources exist and are
// not excluded by .dockerignore.
func checkCopy(t *testing.T, in instruction, stages map[string]bool) {
	t.Helper()
	f := strings.Fields(in.args)
	if strings.HasPrefix(f[0], "--from=") {
		if !stages[strings.TrimPrefix(f[0], "--from=")] {
			t.Errorf("line %d: COPY %s names no earlier stage", in.line, f[0])
		}
		return
	}
	ignored := dockerignore(t)
	for _, src := range f[:len(f)-1] {
		if strings.HasPrefix(src, "--") {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", src)); err != nil {
			t.Errorf("line %d: COPY source %s: %v", in.line, src, err)
		}
		if ignored[strings.TrimSuffix(src, "/")] {
			t.Errorf("line %d: COPY source %s is excluded by .dockerignore", in.line, src)
		}
	}
}

// dockerignore returns the .dockerignore patterns, and fails if one of
// them excludes a package the argus binary is built from.
func dockerignore(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out[strings.TrimPrefix(strings.TrimSuffix(l, "/"), "/")] = true
		}
	}
	for _, need := range []string{"go.mod", "go.sum", "cmd", "core", "plugins", "telemetry", "hep", "transports", "web"} {
		if out[need] {
			t.Errorf(".dockerignore excludes %s, which the build needs", need)
		}
	}
	return out
}
