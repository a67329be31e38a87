package prom

// bounded is a map with a maximum size. When full, putting a new key
// forgets an arbitrary old one (Go's map iteration order), so memory stays
// bounded even if the event that should have removed an entry was dropped.
// It is not safe for concurrent use; the Sink serialises access.
type bounded[K comparable, V any] struct {
	max int
	m   map[K]V
}

func newBounded[K comparable, V any](maxLen int) *bounded[K, V] {
	return &bounded[K, V]{max: maxLen, m: make(map[K]V)}
}

func (b *bounded[K, V]) get(k K) (V, bool) {
	v, ok := b.m[k]
	return v, ok
}

func (b *bounded[K, V]) put(k K, v V) {
	if _, ok := b.m[k]; !ok && len(b.m) >= b.max {
		for old := range b.m {
			delete(b.m, old)
			break
		}
	}
	b.m[k] = v
}

func (b *bounded[K, V]) remove(k K) { delete(b.m, k) }

func (b *bounded[K, V]) len() int { return len(b.m) }
