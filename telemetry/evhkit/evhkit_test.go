package evhkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

func TestLayout(t *testing.T) {
	in := []byte(`{"a":"x:,\"y","b":[1,2]}`)
	for _, tc := range []struct {
		f    evhkit.Format
		want string
	}{
		{evhkit.Compact, `{"a":"x:,\"y","b":[1,2]}`},
		{evhkit.Plain, `{"a": "x:,\"y", "b": [1, 2]}`},
		{evhkit.Indented, "{\n   \"a\": \"x:,\\\"y\",\n   \"b\": [\n      1,\n      2\n   ]\n}"},
	} {
		got, err := evhkit.Layout(in, tc.f)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.f, got, err, tc.want)
		}
	}
	if _, err := evhkit.ParseFormat("pretty"); !errors.Is(err, evhkit.ErrBadSetting) {
		t.Errorf("ParseFormat(pretty) = %v", err)
	}
}

func TestSettings(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]string
		ok   bool
	}{
		{"empty", map[string]string{}, true},
		{"all", map[string]string{"events": "sessions", "grouping": "no", "json": "Plain", "reconnect_backoff": "10",
			"reconnect_max": "20", "connect_timeout": "30", "enabled": "true"}, true},
		{"unknown", map[string]string{"x": "1"}, false},
		{"bad bool", map[string]string{"grouping": "perhaps"}, false},
		{"bad ms", map[string]string{"reconnect_backoff": "0"}, false},
		{"bad json", map[string]string{"json": "x"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := evhkit.DefaultCommon(evhkit.Compact)
			var url string
			err := evhkit.NewOptions("url", &url, &c, true).Read(tc.m)
			if (err == nil) != tc.ok || err != nil && !errors.Is(err, evhkit.ErrBadSetting) {
				t.Fatalf("Read = %v", err)
			}
			if tc.name == "all" && (c.Events != telemetry.Mask(telemetry.TypeSession) || c.Grouping || c.Format != evhkit.Plain ||
				c.Backoff != 10*time.Millisecond || c.MaxBackoff != 20*time.Millisecond || c.DialTimeout != 30*time.Millisecond) {
				t.Fatalf("parsed %+v", c)
			}
		})
	}
}

type fakeConn struct{ closed atomic.Bool }

func (c *fakeConn) Close() error { c.closed.Store(true); return nil }

// TestReconnectorBackoff: failed dials are refused until the backoff has
// passed, which doubles up to the maximum and resets after a success.
func TestReconnectorBackoff(t *testing.T) {
	var fail atomic.Bool
	var dials atomic.Int32
	fail.Store(true)
	r := evhkit.NewReconnector(func(context.Context) (*fakeConn, error) {
		dials.Add(1)
		if fail.Load() {
			return nil, errors.New("refused")
		}
		return &fakeConn{}, nil
	}, 40*time.Millisecond, 80*time.Millisecond, time.Second)
	ctx := context.Background()
	if _, err := r.Get(ctx); err == nil || errors.Is(err, evhkit.ErrBackoff) {
		t.Fatalf("first Get = %v, want a dial error", err)
	}
	if _, err := r.Get(ctx); !errors.Is(err, evhkit.ErrBackoff) || dials.Load() != 1 {
		t.Fatalf("second Get = %v after %d dials, want ErrBackoff without dialling", err, dials.Load())
	}
	time.Sleep(60 * time.Millisecond)
	fail.Store(false)
	c, err := r.Get(ctx)
	if err != nil || dials.Load() != 2 || r.Failures() != 1 || r.Connects() != 1 {
		t.Fatalf("Get after backoff = %v, dials %d failures %d", err, dials.Load(), r.Failures())
	}
	if c2, _ := r.Get(ctx); c2 != c || dials.Load() != 2 {
		t.Fatal("a live connection was not reused")
	}
	r.Drop(c)
	if !c.closed.Load() {
		t.Fatal("Drop did not close the connection")
	}
	if _, err := r.Get(ctx); !errors.Is(err, evhkit.ErrBackoff) {
		t.Fatalf("Get right after Drop = %v, want ErrBackoff", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(ctx); !errors.Is(err, evhkit.ErrClosed) {
		t.Fatalf("Get after Close = %v", err)
	}
}

// TestCoreExport: mask, grouping in chunks of MaxGroup, drops counted when
// publishing fails or the connection is down.
func TestCoreExport(t *testing.T) {
	var calls [][]int
	var failPublish atomic.Bool
	core := evhkit.NewCore(evhkit.CoreConfig[*fakeConn]{
		Handler: "test.evh", Events: telemetry.Mask(telemetry.TypeSession), Grouping: true, CanGroup: true,
		Conn: evhkit.NewReconnector(func(context.Context) (*fakeConn, error) { return &fakeConn{}, nil },
			time.Hour, time.Hour, time.Second),
		Publish: func(_ context.Context, _ *fakeConn, evs []*telemetry.Event, grouped bool) error {
			if failPublish.Load() {
				return errors.New("broker said no")
			}
			ids := make([]int, len(evs))
			for i, e := range evs {
				ids[i] = int(e.SessionID)
			}
			calls = append(calls, ids)
			return nil
		},
	})
	batch := make([]*telemetry.Event, 0, 260)
	for i := range 260 {
		typ := telemetry.TypeSession
		if i%2 == 1 {
			typ = telemetry.TypeHandle
		}
		batch = append(batch, &telemetry.Event{Type: typ, SessionID: uint64(i)})
	}
	if err := core.Export(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || len(calls[0]) != evhkit.MaxGroup || len(calls[1]) != 30 || calls[1][29] != 258 {
		t.Fatalf("chunks %d: %v", len(calls), calls)
	}
	failPublish.Store(true)
	if err := core.Export(context.Background(), batch[:10]); err == nil {
		t.Fatal("a failed publish was not reported")
	}
	if err := core.Export(context.Background(), batch[:10]); !errors.Is(err, evhkit.ErrBackoff) {
		t.Fatalf("export while reconnecting = %v, want ErrBackoff", err)
	}
	if st := core.Stats(); st.Published != 2 || st.Dropped != 10 {
		t.Fatalf("stats %+v, want 2 published, 10 dropped", st)
	}
}

// TestHandlerCore: the common settings decide the mask and grouping; a
// handler that groups sends arrays as Grouping says, one that does not is
// handed the passing events in one call, each to send as its own message.
func TestHandlerCore(t *testing.T) {
	for _, tc := range []struct {
		name         string
		canGroup     bool
		grouping     bool
		calls        int
		grouped      bool
		firstCallLen int
	}{
		{"groups", true, true, 1, true, 3},
		{"grouping off", true, false, 3, false, 1},
		{"per call", false, true, 1, false, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := evhkit.DefaultCommon(evhkit.Compact)
			c.Events, c.Grouping = telemetry.Mask(telemetry.TypeSession), tc.grouping
			var calls [][]*telemetry.Event
			var grouped []bool
			core := evhkit.NewHandlerCore("test.evh", c, tc.canGroup,
				func(context.Context) (*fakeConn, error) { return &fakeConn{}, nil },
				func(_ context.Context, _ *fakeConn, evs []*telemetry.Event, g bool) error {
					calls, grouped = append(calls, evs), append(grouped, g)
					return nil
				}, nil)
			batch := []*telemetry.Event{{Type: telemetry.TypeSession}, {Type: telemetry.TypeHandle},
				{Type: telemetry.TypeSession}, {Type: telemetry.TypeSession}}
			if err := core.Export(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			if len(calls) != tc.calls || len(calls[0]) != tc.firstCallLen || grouped[0] != tc.grouped {
				t.Fatalf("%d calls (first of %d, grouped %v), want %d (first of %d, grouped %v)",
					len(calls), len(calls[0]), grouped[0], tc.calls, tc.firstCallLen, tc.grouped)
			}
		})
	}
}

func TestQuery(t *testing.T) {
	core := evhkit.NewCore(evhkit.CoreConfig[*fakeConn]{Handler: "h", Events: telemetry.MaskAll, CanGroup: false,
		Conn: evhkit.NewReconnector(func(context.Context) (*fakeConn, error) { return &fakeConn{}, nil }, 0, 0, 0)})
	for _, tc := range []struct{ req, want string }{
		{`{}`, `{"error":"Missing mandatory element (request)","error_code":412}`},
		{`{"request":"nope"}`, `{"error":"Unknown request 'nope'","error_code":411}`},
		{`{"request":"tweak","events":5}`, `{"error":"Invalid element type (events should be a string)","error_code":413}`},
		{`{"request":"tweak","grouping":true}`, `{"error":"Invalid element (grouping)","error_code":413}`},
		{`[`, `{"error":"Invalid request","error_code":413}`},
		{`{"request":"TWEAK","events":"media,core"}`, `{"result":200}`},
	} {
		b, _ := json.Marshal(core.Query(context.Background(), json.RawMessage(tc.req)))
		if string(b) != tc.want {
			t.Errorf("Query(%s) = %s, want %s", tc.req, b, tc.want)
		}
	}
	if core.Mask() != telemetry.Mask(telemetry.TypeMedia|telemetry.TypeCore) {
		t.Fatalf("mask after tweak %v", core.Mask())
	}
}

func FuzzQuery(f *testing.F) {
	f.Add([]byte(`{"request":"tweak","events":"all","grouping":false}`))
	f.Add([]byte(`{"request":"x"}`))
	f.Fuzz(func(t *testing.T, req []byte) {
		core := evhkit.NewCore(evhkit.CoreConfig[*fakeConn]{Handler: "h", CanGroup: true,
			Conn: evhkit.NewReconnector(func(context.Context) (*fakeConn, error) { return &fakeConn{}, nil }, 0, 0, 0)})
		res, ok := core.Query(context.Background(), req).(map[string]any)
		if !ok || (res["result"] == nil) == (res["error_code"] == nil) {
			t.Fatalf("Query(%q) = %v: want a result or an error", req, res)
		}
	})
}

// TestOptions: the keys declared once are documented with the fields'
// starting values, in order after the common ones, and read into the
// fields; an unknown key or a bad value is an error.
func TestOptions(t *testing.T) {
	type config struct {
		URL, Name string
		On        bool
		N         int
		TLS       *evhkit.TLS
		Common    evhkit.Common
	}
	declare := func(c *config) *evhkit.Options {
		o := evhkit.NewOptions("url", &c.URL, &c.Common, false)
		o.String("name", &c.Name, "a name")
		o.Bool("on", &c.On, "a switch")
		o.Int("n", &c.N, 1, 9, "a number")
		o.Ignored("old", "ignored")
		o.TLS(&c.TLS, evhkit.ClientTLSKeys("CAs"))
		return o
	}
	c := config{Name: "x", On: true, N: 3, Common: evhkit.DefaultCommon(evhkit.Plain)}
	var got []string
	for _, d := range declare(&c).Docs() {
		got = append(got, d.Key+"="+d.Default)
	}
	want := "events=all json=plain reconnect_backoff=500 reconnect_max=30000 connect_timeout=5000 name=x on=true n=3 old= " +
		"tls_cacert= tls_client_cert= tls_client_key= tls_verify_peer=true"
	if strings.Join(got, " ") != want {
		t.Fatalf("docs %v, want %s", got, want)
	}
	if err := declare(&c).Read(map[string]string{"url": "u", "name": "y", "on": "no", "n": "7", "old": "z",
		"json": "compact", "tls_verify_peer": "false"}); err != nil {
		t.Fatal(err)
	}
	if c.URL != "u" || c.Name != "y" || c.On || c.N != 7 || c.Common.Format != evhkit.Compact || c.TLS == nil || !c.TLS.SkipVerify {
		t.Fatalf("read %+v", c)
	}
	for _, m := range []map[string]string{{"n": "10"}, {"on": "perhaps"}, {"grouping": "true"}, {"what": "1"}} {
		if err := declare(&c).Read(m); !errors.Is(err, evhkit.ErrBadSetting) {
			t.Errorf("%v: %v, want ErrBadSetting", m, err)
		}
	}
}
