package telemetry_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

var errTestSetting = errors.New("test: bad setting")

type optsConfig struct {
	URL, Name string
	On        bool
	N         int
	Wait      time.Duration
	Events    telemetry.Mask
	Custom    string
}

func declareOpts(c *optsConfig) *telemetry.SinkOptions {
	o := telemetry.NewSinkOptions(errTestSetting)
	o.FlagSetting("url", &c.URL)
	o.Events(&c.Events)
	o.String("name", &c.Name, "a name")
	o.Bool("on", &c.On, "a switch")
	o.Int("n", &c.N, 1, 9, "a number")
	o.Millis("wait", &c.Wait, time.Millisecond, time.Minute, "ms")
	o.Ignored("old", "accepted, ignored")
	o.Func("custom", "c", "upper case", func(v string) error {
		if strings.ToUpper(v) != v {
			return errors.New("want upper case")
		}
		c.Custom = v
		return nil
	})
	return o
}

// TestSinkOptionsDocs: the keys are documented in declaration order with
// the fields' values at declaration; the flag's setting is not listed.
func TestSinkOptionsDocs(t *testing.T) {
	c := optsConfig{Name: "x", On: true, N: 3, Wait: 1500 * time.Millisecond, Events: telemetry.MaskAll}
	var got []string
	for _, d := range declareOpts(&c).Docs() {
		got = append(got, d.Key+"="+d.Default)
	}
	want := "events=all name=x on=true n=3 wait=1500 old= custom=c"
	if strings.Join(got, " ") != want {
		t.Fatalf("docs %v, want %s", got, want)
	}
	o := telemetry.NewSinkOptions(errTestSetting)
	o.Events(nil)
	if d := o.Docs(); len(d) != 1 || d[0] != (telemetry.SinkOption{Key: "events", Default: "all", Usage: "Janus event mask"}) {
		t.Fatalf("Events(nil) docs %+v", d)
	}
	if err := o.Read(map[string]string{"events": "none"}); err != nil {
		t.Fatalf("Events(nil) refuses events: %v", err)
	}
}

func TestSinkOptionsRead(t *testing.T) {
	tests := []struct {
		name    string
		m       map[string]string
		want    optsConfig // compared when wantErr is ""
		wantErr string     // the error's text
	}{
		{"empty", map[string]string{}, optsConfig{N: 3, Events: telemetry.MaskAll}, ""},
		{"all", map[string]string{"url": "u", "events": "sessions", "name": "y", "on": " Yes ", "n": " 7",
			"wait": "250", "old": "z", "custom": "UP", "enabled": "true"},
			optsConfig{URL: "u", Events: telemetry.Mask(telemetry.TypeSession), Name: "y", On: true, N: 7,
				Wait: 250 * time.Millisecond, Custom: "UP"}, ""},
		{"bad bool", map[string]string{"on": "perhaps"}, optsConfig{},
			`on="perhaps": test: bad setting: want true or false: invalid syntax`},
		{"int above", map[string]string{"n": "10"}, optsConfig{}, `n="10": test: bad setting: not in 1-9`},
		{"not int", map[string]string{"n": "x"}, optsConfig{},
			`n="x": test: bad setting: strconv.Atoi: parsing "x": invalid syntax`},
		{"ms below", map[string]string{"wait": "0"}, optsConfig{}, `wait="0": test: bad setting: not in 1-60000`},
		{"custom", map[string]string{"custom": "low"}, optsConfig{}, `custom="low": test: bad setting: want upper case`},
		{"unknown", map[string]string{"b": "1", "a": "1"}, optsConfig{}, `unknown setting "a": test: bad setting`},
		{"bad before unknown", map[string]string{"a": "1", "n": "0"}, optsConfig{}, `n="0": test: bad setting: not in 1-9`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := optsConfig{N: 3, Events: telemetry.MaskAll}
			err := declareOpts(&c).Read(tc.m)
			if tc.wantErr != "" {
				if !errors.Is(err, errTestSetting) || err.Error() != tc.wantErr {
					t.Fatalf("Read = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || c != tc.want {
				t.Fatalf("Read = %v, %+v; want %+v", err, c, tc.want)
			}
		})
	}
}

// TestSinkOptionsMillisRange: a wide range takes any whole number of ms
// that fits a time.Duration and refuses one that would overflow it.
func TestSinkOptionsMillisRange(t *testing.T) {
	maxMs := strconv.FormatInt(math.MaxInt64/int64(time.Millisecond), 10)
	for v, ok := range map[string]bool{"-5": true, "0": true, maxMs: true, maxMs + "0": false} {
		var d time.Duration
		o := telemetry.NewSinkOptions(errTestSetting)
		o.Millis("t", &d, math.MinInt64, math.MaxInt64, "ms")
		err := o.Read(map[string]string{"t": v})
		if (err == nil) != ok {
			t.Errorf("%s: %v", v, err)
		}
		if n, _ := strconv.ParseInt(v, 10, 64); ok && d != time.Duration(n)*time.Millisecond {
			t.Errorf("%s: read %v", v, d)
		}
	}
}

// TestSinkOptionsRangeText: a refused number names only the bounds that
// are not its type's own limits.
func TestSinkOptionsRangeText(t *testing.T) {
	maxMs := strconv.FormatInt(math.MaxInt64/int64(time.Millisecond), 10)
	for _, tc := range []struct {
		name    string
		declare func(o *telemetry.SinkOptions)
		value   string
		want    string
	}{
		{"int, both bounds", func(o *telemetry.SinkOptions) { o.Int("k", new(int), 0, 9, "") }, "10", "not in 0-9"},
		{"int, lower bound", func(o *telemetry.SinkOptions) { o.Int("k", new(int), 0, math.MaxInt, "") }, "-1", "want >= 0"},
		{"int, upper bound", func(o *telemetry.SinkOptions) { o.Int("k", new(int), math.MinInt, 5, "") }, "6", "want <= 5"},
		{"ms, both bounds", func(o *telemetry.SinkOptions) { o.Millis("k", new(time.Duration), time.Millisecond, time.Second, "") }, "0", "not in 1-1000"},
		{"ms, unbounded", func(o *telemetry.SinkOptions) { o.Millis("k", new(time.Duration), math.MinInt64, math.MaxInt64, "") }, maxMs + "0", "out of range"},
	} {
		o := telemetry.NewSinkOptions(errTestSetting)
		tc.declare(o)
		err := o.Read(map[string]string{"k": tc.value})
		want := `k="` + tc.value + `": test: bad setting: ` + tc.want
		if err == nil || err.Error() != want || !errors.Is(err, errTestSetting) {
			t.Errorf("%s: %v, want %s", tc.name, err, want)
		}
	}
}

// TestSinkOptionsTwice: a key declared twice panics at declaration, by
// any of the declaring methods.
func TestSinkOptionsTwice(t *testing.T) {
	for name, again := range map[string]func(o *telemetry.SinkOptions){
		"String":      func(o *telemetry.SinkOptions) { o.String("url", new(string), "") },
		"FlagSetting": func(o *telemetry.SinkOptions) { o.FlagSetting("url", new(string)) },
		"Events":      func(o *telemetry.SinkOptions) { o.Events(nil); o.Events(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic for a key declared twice", name)
				}
			}()
			o := telemetry.NewSinkOptions(errTestSetting)
			o.FlagSetting("url", new(string))
			again(o)
		}()
	}
}

// TestParseBool: Janus's words and everything strconv.ParseBool takes.
func TestParseBool(t *testing.T) {
	for _, v := range []string{"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"} {
		want, _ := strconv.ParseBool(v)
		if got, err := telemetry.ParseBool(v); err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v; want %v as strconv", v, got, err, want)
		}
	}
	for v, want := range map[string]bool{"yes": true, "on": true, " Yes ": true, "no": false, "OFF": false, " 0": false} {
		if got, err := telemetry.ParseBool(v); err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"", "perhaps", "2", "y"} {
		if _, err := telemetry.ParseBool(v); !errors.Is(err, strconv.ErrSyntax) {
			t.Errorf("ParseBool(%q) = %v, want ErrSyntax", v, err)
		}
	}
}

// FuzzSinkOptionsRead: any one setting is read or refused with the sink's
// sentinel, never a panic; a refused value leaves its field as it was.
func FuzzSinkOptionsRead(f *testing.F) {
	for _, kv := range [][2]string{{"on", "yes"}, {"n", " 7"}, {"wait", "-1"}, {"events", "media,bogus"},
		{"custom", "UP"}, {"url", ""}, {"x", "1"}, {"enabled", "no"}} {
		f.Add(kv[0], kv[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		start := optsConfig{Name: "x", N: 3, Wait: time.Second, Events: telemetry.MaskAll}
		c := start
		err := declareOpts(&c).Read(map[string]string{key: value})
		if err != nil {
			if !errors.Is(err, errTestSetting) {
				t.Fatalf("Read(%q=%q) = %v, not wrapping the sentinel", key, value, err)
			}
			if c != start {
				t.Fatalf("Read(%q=%q) failed but changed the config to %+v", key, value, c)
			}
			return
		}
		if c.N < 1 || c.N > 9 || c.Wait < time.Millisecond || c.Wait > time.Minute {
			t.Fatalf("Read(%q=%q) accepted a value out of range: %+v", key, value, c)
		}
	})
}

// FuzzParseBool: every word strconv.ParseBool takes reads the same; the
// rest is true, false or ErrSyntax.
func FuzzParseBool(f *testing.F) {
	for _, s := range []string{"true", "T", " yes ", "OFF", "0", "maybe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := telemetry.ParseBool(s)
		if want, serr := strconv.ParseBool(s); serr == nil && (err != nil || got != want) {
			t.Fatalf("ParseBool(%q) = %v, %v; strconv says %v", s, got, err, want)
		}
		if err != nil && !errors.Is(err, strconv.ErrSyntax) {
			t.Fatalf("ParseBool(%q) = %v, want ErrSyntax", s, err)
		}
	})
}
