package otel

// bounded is a map with a maximum size. When full, putting a new key evicts
// an arbitrary old entry (Go's map iteration order) after calling onEvict, so
// memory stays bounded even when the event that should have ended an entry
// was lost. Not safe for concurrent use; the Sink serialises access.
type bounded[K comparable, V any] struct {
	max     int
	m       map[K]V
	onEvict func(K, V)
}

func newBounded[K comparable, V any](maxLen int, onEvict func(K, V)) *bounded[K, V] {
	return &bounded[K, V]{max: maxLen, m: make(map[K]V), onEvict: onEvict}
}

func (b *bounded[K, V]) get(k K) (V, bool) {
	v, ok := b.m[k]
	return v, ok
}

func (b *bounded[K, V]) put(k K, v V) {
	if _, ok := b.m[k]; !ok && len(b.m) >= b.max {
		for old, ov := range b.m {
			delete(b.m, old)
			if b.onEvict != nil {
				b.onEvict(old, ov)
			}
			break
		}
	}
	b.m[k] = v
}

func (b *bounded[K, V]) remove(k K) { delete(b.m, k) }

func (b *bounded[K, V]) len() int { return len(b.m) }
