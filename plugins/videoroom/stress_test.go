package videoroom

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

// stressRoom is the room every stress family works on.
const (
	stressRoom   = 777
	stressSecret = "stress"
	stressConfig = `{"admin_key":"ak","rooms":[{"room":777,"secret":"stress","publishers":64}]}`
)

// stressDuration is the total run time of TestStress, split between the
// request families: ARGUS_VIDEOROOM_STRESS_SECONDS (the 60 s run), or 3 s.
func stressDuration(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("ARGUS_VIDEOROOM_STRESS_SECONDS")
	if v == "" {
		return 3 * time.Second
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("ARGUS_VIDEOROOM_STRESS_SECONDS=%q: want a positive number of seconds", v)
	}
	return time.Duration(n) * time.Second
}

// stressAdmin is one request family: step runs one round of admin
// requests (i counts the rounds) and returns their answers.
type stressAdmin struct {
	name string
	step func(f *fixture, i int) []map[string]any
}

func admin(f *fixture, body string) map[string]any {
	return roundTrip(f.p.HandleAdminMessage(context.Background(), json.RawMessage(body)))
}

// participantIDs lists the room's participants through listparticipants.
func participantIDs(f *fixture) (ids []float64, answer map[string]any) {
	answer = admin(f, fmt.Sprintf(`{"request":"listparticipants","room":%d}`, stressRoom))
	list, _ := answer["participants"].([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			if id, ok := m["id"].(float64); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids, answer
}

var stressFamilies = []stressAdmin{
	{"allowed", func(f *fixture, i int) []map[string]any {
		action := []string{`"action":"enable"`, `"action":"add","allowed":["tok"]`, `"action":"remove","allowed":["tok"]`, `"action":"disable"`}[i%4]
		return []map[string]any{admin(f, fmt.Sprintf(`{"request":"allowed","room":%d,"secret":%q,%s}`, stressRoom, stressSecret, action))}
	}},
	{"edit", func(f *fixture, i int) []map[string]any {
		return []map[string]any{admin(f, fmt.Sprintf(`{"request":"edit","room":%d,"secret":%q,"new_description":"round %d","new_publishers":%d,"new_bitrate":%d,"new_pin":""}`,
			stressRoom, stressSecret, i, 32+i%32, 128000*(i%4)))}
	}},
	{"kick", func(f *fixture, _ int) []map[string]any {
		ids, list := participantIDs(f)
		out := []map[string]any{list}
		for _, id := range ids {
			out = append(out, admin(f, fmt.Sprintf(`{"request":"kick","room":%d,"secret":%q,"id":%d}`, stressRoom, stressSecret, uint64(id))))
		}
		return out
	}},
	{"moderate", func(f *fixture, i int) []map[string]any {
		ids, list := participantIDs(f)
		out := []map[string]any{list}
		for _, id := range ids {
			out = append(out, admin(f, fmt.Sprintf(`{"request":"moderate","room":%d,"secret":%q,"id":%d,"mid":"0","mute":%t}`, stressRoom, stressSecret, uint64(id), i%2 == 0)))
		}
		return out
	}},
	{"destroy", func(f *fixture, _ int) []map[string]any {
		return []map[string]any{
			admin(f, fmt.Sprintf(`{"request":"destroy","room":%d,"secret":%q}`, stressRoom, stressSecret)),
			admin(f, fmt.Sprintf(`{"request":"create","admin_key":"ak","room":%d,"secret":%q,"publishers":64}`, stressRoom, stressSecret)),
		}
	}},
	{"list", func(f *fixture, _ int) []map[string]any {
		_, parts := participantIDs(f)
		return []map[string]any{admin(f, `{"request":"list","admin_key":"ak"}`), admin(f, `{"request":"list"}`), parts}
	}},
}

// answered reports whether data is a VideoRoom answer: a result or a
// Janus-style VideoRoom error.
func answered(data map[string]any) bool {
	if data == nil {
		return false
	}
	if _, ok := data["videoroom"]; ok {
		return true
	}
	code, ok := data["error_code"].(float64)
	return ok && code >= errNoMessage && code <= errUnknown
}

// stressParticipant joins, configures and leaves in a loop, each round on
// a new handle (attach and detach race the admin requests too); every
// request must be answered.
func stressParticipant(t *testing.T, f *fixture, stop <-chan struct{}, n int, joined *atomic.Int64) {
	for round := 0; ; round++ {
		select {
		case <-stop:
			return
		default:
		}
		h := coretest.NewHandle(core.HandleID(1000+n), "stress", nil)
		ps, err := f.p.NewSession(h)
		if err != nil {
			t.Error(err)
			return
		}
		h.Attach(ps)
		for i, body := range []string{
			fmt.Sprintf(`{"request":"join","ptype":"publisher","room":%d,"display":"p%d","token":"tok"}`, stressRoom, n),
			`{"request":"configure","display":"renamed","bitrate":64000}`,
			`{"request":"leave"}`,
		} {
			tx := fmt.Sprintf("%d-%d-%d", n, round, i)
			res := ps.HandleMessage(context.Background(), core.Message{Transaction: tx, Body: json.RawMessage(body)})
			if !res.Ack {
				t.Errorf("%s: not acked: %+v", body, res)
				break
			}
			p, err := h.NextPush(tx, 30*time.Second)
			if err != nil {
				t.Errorf("%s: %v", body, err)
				break
			}
			if !answered(p.Data) {
				t.Errorf("%s: answer %v", body, p.Data)
			}
			if i == 0 && p.Data["videoroom"] == "joined" {
				joined.Add(1)
			}
		}
		ps.Destroy()
	}
}

// TestStress runs, per request family, that family's admin requests
// against publishers joining, configuring and leaving; -race must find
// nothing, every request is answered, and the room ends empty with no
// session or goroutine left (TestMain checks goroutines).
func TestStress(t *testing.T) {
	per := max(stressDuration(t)/time.Duration(len(stressFamilies)), 300*time.Millisecond)
	for _, fam := range stressFamilies {
		t.Run(fam.name, func(t *testing.T) {
			f := newFixture(t, stressConfig)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var joined atomic.Int64
			for n := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					stressParticipant(t, f, stop, n, &joined)
				}()
			}
			rounds := 0
			deadline := time.Now().Add(per)
			for time.Now().Before(deadline) && !t.Failed() {
				for _, a := range fam.step(f, rounds) {
					if !answered(a) {
						t.Errorf("%s: answer %v", fam.name, a)
					}
				}
				rounds++
				time.Sleep(time.Millisecond)
			}
			close(stop)
			wg.Wait()
			if rounds == 0 || joined.Load() == 0 {
				t.Errorf("%d admin rounds, %d joins: the family did not run against joins", rounds, joined.Load())
			}
			if ids, _ := participantIDs(f); len(ids) != 0 {
				t.Errorf("participants left in the room: %v", ids)
			}
			if n := f.p.Len(); n != 0 {
				t.Errorf("%d sessions left", n)
			}
			if left := coretest.WaitGoroutinesGone(2*time.Second, "github.com/argusrtc/argus/core/pluginkit"); len(left) != 0 {
				t.Errorf("%d session goroutines outlived their sessions:\n%s", len(left), left[0])
			}
			t.Logf("%s: %d admin rounds, %d joins in %v", fam.name, rounds, joined.Load(), per)
		})
	}
}
