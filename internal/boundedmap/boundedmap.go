// Package boundedmap is a map with a maximum number of entries, for state
// that clients create and events normally end (a session, a handle, a
// feed). When the event that should have removed an entry is lost (a
// dropped event, a peer that vanished), the map still cannot grow past its
// bound: putting a new key into a full map evicts the oldest entry, the one
// put first, and hands it to an optional callback so its owner can close it.
//
// A Map is not safe for concurrent use; its owner serialises access.
package boundedmap

import "iter"

// Map maps K to V and holds at most Max entries. Its zero value is not
// usable; call New.
type Map[K comparable, V any] struct {
	max     int
	onEvict func(K, V)
	m       map[K]*entry[K, V]
	// head is the oldest entry, tail the newest (insertion order); a
	// doubly linked list makes Put, Delete and eviction O(1).
	head, tail *entry[K, V]
}

type entry[K comparable, V any] struct {
	k          K
	v          V
	prev, next *entry[K, V]
}

// New returns an empty Map holding at most maxLen entries (at least 1).
// onEvict, when not nil, is called with each entry that Put evicts to make
// room; it is not called for Delete. It must not use the Map.
func New[K comparable, V any](maxLen int, onEvict func(K, V)) *Map[K, V] {
	return &Map[K, V]{max: max(maxLen, 1), onEvict: onEvict, m: make(map[K]*entry[K, V])}
}

// Get returns the value of k and whether k is present.
func (b *Map[K, V]) Get(k K) (V, bool) {
	if e, ok := b.m[k]; ok {
		return e.v, true
	}
	var zero V
	return zero, false
}

// Put sets k to v. An existing key keeps its place in the eviction order;
// a new key in a full Map first evicts the oldest entry.
func (b *Map[K, V]) Put(k K, v V) {
	if e, ok := b.m[k]; ok {
		e.v = v
		return
	}
	if len(b.m) >= b.max {
		old := b.head
		b.unlink(old)
		if b.onEvict != nil {
			b.onEvict(old.k, old.v)
		}
	}
	e := &entry[K, V]{k: k, v: v, prev: b.tail}
	if b.tail != nil {
		b.tail.next = e
	} else {
		b.head = e
	}
	b.tail = e
	b.m[k] = e
}

// Delete forgets k; deleting an absent key does nothing.
func (b *Map[K, V]) Delete(k K) {
	if e, ok := b.m[k]; ok {
		b.unlink(e)
	}
}

// Len returns the number of entries.
func (b *Map[K, V]) Len() int { return len(b.m) }

// Max returns the bound.
func (b *Map[K, V]) Max() int { return b.max }

// All yields the entries oldest first. The loop body may Put and Delete:
// an entry deleted before it is reached is not yielded, and entries put
// during the loop are not yielded either.
func (b *Map[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		snap := make([]*entry[K, V], 0, len(b.m))
		for e := b.head; e != nil; e = e.next {
			snap = append(snap, e)
		}
		for _, e := range snap {
			if b.m[e.k] != e {
				continue // deleted (or deleted and put again) meanwhile
			}
			if !yield(e.k, e.v) {
				return
			}
		}
	}
}

// unlink removes e from the list and the map.
func (b *Map[K, V]) unlink(e *entry[K, V]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		b.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		b.tail = e.prev
	}
	e.prev, e.next = nil, nil
	delete(b.m, e.k)
}
