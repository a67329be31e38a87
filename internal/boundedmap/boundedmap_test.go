package boundedmap

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// op is one step of a scripted test: put k (with v = k*10), delete k, or
// get k.
type op struct {
	kind byte // 'p' put, 'd' delete
	k    int
}

func TestMap(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		ops     []op
		want    []int // keys present afterwards, in eviction order
		evicted []int // keys handed to onEvict, in order
	}{
		{"empty", 3, nil, nil, nil},
		{"under the bound", 3, []op{{'p', 1}, {'p', 2}}, []int{1, 2}, nil},
		{"full evicts the oldest", 2, []op{{'p', 1}, {'p', 2}, {'p', 3}}, []int{2, 3}, []int{1}},
		{"evicts in insertion order", 2, []op{{'p', 1}, {'p', 2}, {'p', 3}, {'p', 4}, {'p', 5}}, []int{4, 5}, []int{1, 2, 3}},
		{"update keeps the place", 2, []op{{'p', 1}, {'p', 2}, {'p', 1}, {'p', 3}}, []int{2, 3}, []int{1}},
		{"delete makes room", 2, []op{{'p', 1}, {'p', 2}, {'d', 1}, {'p', 3}}, []int{2, 3}, nil},
		{"delete the newest", 3, []op{{'p', 1}, {'p', 2}, {'d', 2}, {'p', 3}}, []int{1, 3}, nil},
		{"delete the only", 3, []op{{'p', 1}, {'d', 1}, {'p', 2}}, []int{2}, nil},
		{"delete absent", 3, []op{{'p', 1}, {'d', 7}}, []int{1}, nil},
		{"bound 0 means 1", 0, []op{{'p', 1}, {'p', 2}}, []int{2}, []int{1}},
		{"put after delete is new", 2, []op{{'p', 1}, {'p', 2}, {'d', 1}, {'p', 1}, {'p', 3}}, []int{1, 3}, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var evicted []int
			m := New(tt.max, func(k, v int) {
				if v != k*10 {
					t.Errorf("evicted %d with value %d, want %d", k, v, k*10)
				}
				evicted = append(evicted, k)
			})
			for _, o := range tt.ops {
				switch o.kind {
				case 'p':
					m.Put(o.k, o.k*10)
				case 'd':
					m.Delete(o.k)
				}
			}
			if got := keys(m); !slices.Equal(got, tt.want) {
				t.Errorf("keys = %v, want %v", got, tt.want)
			}
			if m.Len() != len(tt.want) {
				t.Errorf("Len = %d, want %d", m.Len(), len(tt.want))
			}
			for _, k := range tt.want {
				if v, ok := m.Get(k); !ok || v != k*10 {
					t.Errorf("Get(%d) = %d, %v", k, v, ok)
				}
			}
			if !slices.Equal(evicted, tt.evicted) {
				t.Errorf("evicted %v, want %v", evicted, tt.evicted)
			}
		})
	}
}

func TestGetAbsent(t *testing.T) {
	m := New[string, *int](2, nil)
	if v, ok := m.Get("x"); ok || v != nil {
		t.Fatalf("Get on empty map = %v, %v", v, ok)
	}
	m.Put("a", nil)
	if _, ok := m.Get("a"); !ok {
		t.Fatal("a nil value must still be present")
	}
	if m.Max() != 2 {
		t.Fatalf("Max = %d", m.Max())
	}
}

func TestAll(t *testing.T) {
	tests := []struct {
		name  string
		body  func(m *Map[int, int], k int) bool // returns whether to go on
		want  []int                              // keys yielded
		after []int                              // keys left
	}{
		{"all, oldest first", func(*Map[int, int], int) bool { return true }, []int{1, 2, 3, 4}, []int{1, 2, 3, 4}},
		{"break", func(_ *Map[int, int], k int) bool { return k < 2 }, []int{1, 2}, []int{1, 2, 3, 4}},
		{"delete the current", func(m *Map[int, int], k int) bool { m.Delete(k); return true }, []int{1, 2, 3, 4}, nil},
		{"delete the next", func(m *Map[int, int], k int) bool { m.Delete(k + 1); return true }, []int{1, 3}, []int{1, 3}},
		{"put during the loop", func(m *Map[int, int], k int) bool { m.Put(k+10, 0); return true }, []int{1, 2, 3, 4}, []int{11, 12, 13, 14}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New[int, int](4, nil)
			for k := 1; k <= 4; k++ {
				m.Put(k, k*10)
			}
			var got []int
			for k, v := range m.All() {
				if v != k*10 {
					t.Errorf("value of %d = %d", k, v)
				}
				got = append(got, k)
				if !tt.body(m, k) {
					break
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("yielded %v, want %v", got, tt.want)
			}
			if left := keys(m); !slices.Equal(left, tt.after) {
				t.Errorf("left %v, want %v", left, tt.after)
			}
		})
	}
}

// TestAgainstModel runs random operations (a fixed seed, a bounded count)
// against a slice model of the same semantics.
func TestAgainstModel(t *testing.T) {
	const bound = 8
	r := rand.New(rand.NewPCG(1, 2))
	m := New[int, int](bound, nil)
	var model []int // keys, oldest first
	vals := map[int]int{}
	for i := range 20000 {
		k := r.IntN(20)
		switch r.IntN(3) {
		case 0, 1:
			if !slices.Contains(model, k) {
				if len(model) == bound {
					delete(vals, model[0])
					model = model[1:]
				}
				model = append(model, k)
			}
			vals[k] = i
			m.Put(k, i)
		case 2:
			if j := slices.Index(model, k); j >= 0 {
				model = slices.Delete(model, j, j+1)
				delete(vals, k)
			}
			m.Delete(k)
		}
		if got := keys(m); !slices.Equal(got, model) {
			t.Fatalf("step %d: keys %v, model %v", i, got, model)
		}
		if v, ok := m.Get(k); ok != slices.Contains(model, k) || (ok && v != vals[k]) {
			t.Fatalf("step %d: Get(%d) = %d, %v; model %d", i, k, v, ok, vals[k])
		}
	}
}

// keys lists the keys oldest first, checking the list against the map.
func keys[K comparable, V any](m *Map[K, V]) []K {
	var out []K
	var prev *entry[K, V]
	for e := m.head; e != nil; e = e.next {
		if e.prev != prev || m.m[e.k] != e {
			panic("boundedmap: list and map disagree")
		}
		out = append(out, e.k)
		prev = e
	}
	if prev != m.tail || len(out) != len(m.m) {
		panic("boundedmap: list and map disagree")
	}
	return out
}

// BenchmarkChurn is a full map in steady state: every Put evicts one entry
// and a Get and a Delete follow, the pattern of a sink tracking handles.
func BenchmarkChurn(b *testing.B) {
	const bound = 4096
	m := New[uint64, int](bound, func(uint64, int) {})
	for i := range uint64(bound) {
		m.Put(i, 0)
	}
	b.ReportAllocs()
	var k uint64 = bound
	for b.Loop() {
		m.Put(k, 1)
		m.Get(k - bound/2)
		m.Delete(k - bound/4)
		k++
	}
}
