package capture

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync"
)

// Identity is what makes two deliveries the same delivery: a provider
// sends a delivery again when it was not acknowledged (a retry) and
// sometimes when it was (a duplicate), with the same body and, where the
// scheme signs one, the same id, re-signed with a fresh timestamp. It is
// the one notion of "the same delivery" that `listen` marks repeats with
// (repeat_of) and that its --exit-after counts distinct deliveries by.
//
// Two deliveries are the same when
//   - both have an EventID (the provider's event id, where its profile
//     says where a body holds it: event_id_path) and it is the same; else
//   - they have the same Method, Path and Query (the request's target,
//     as on the wire), SignedID and Body bytes.
//
// SignedID is the message id the scheme signs and a provider keeps across
// retries (signature.SignedID: Standard Webhooks' webhook-id, Svix's
// svix-id, the hmac scheme's id header when its template signs {id}); ""
// for the schemes that sign none (Stripe, GitHub, Slack, Paystack,
// Shopify, Flutterwave, a body-only hmac), whose retries carry the same
// body under a fresh timestamp or the same signature. The signature
// header's value itself is not part of it: a re-signed retry has a new
// one.
type Identity struct {
	EventID             string
	SignedID            string
	Method, Path, Query string
	Body                []byte
}

// Key is an Identity's fixed-size digest (the first 128 bits of a
// SHA-256): what is remembered of a delivery, never its body.
type Key [16]byte

// Key returns id's digest. Each part is length-prefixed, so no two
// identities share a digest by moving bytes from one part to another.
func (id Identity) Key() Key {
	h := sha256.New()
	if id.EventID != "" {
		writePart(h, "event-id")
		writePart(h, id.EventID)
	} else {
		writePart(h, "request")
		writePart(h, id.Method)
		writePart(h, id.Path)
		writePart(h, id.Query)
		writePart(h, id.SignedID)
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(id.Body)))
		h.Write(n[:])
		h.Write(id.Body)
	}
	var k Key
	copy(k[:], h.Sum(nil))
	return k
}

func writePart(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// DefaultRepeatsMemory is how many distinct deliveries a listener
// remembers to recognise repeats of: a few MiB, for a listener that runs
// for days and receives millions.
const DefaultRepeatsMemory = 100_000

// Repeats remembers the deliveries seen, by Key, with the id of the first
// of each: the most recent Capacity distinct ones (older ones are
// forgotten first, so memory stays bounded however long a listener runs).
// It is safe for concurrent use.
type Repeats struct {
	mu    sync.Mutex
	first map[Key]string
	order []Key // a ring of the keys in first, oldest at next once full
	next  int
	cap   int
}

// NewRepeats remembers up to capacity distinct deliveries (at least 1).
func NewRepeats(capacity int) *Repeats {
	capacity = max(capacity, 1)
	return &Repeats{first: map[Key]string{}, cap: capacity}
}

// See notes a delivery with key k and record id id. It returns the id of
// the first delivery with the same key, or "" when there is none (or it
// was forgotten): then this one is remembered as the first.
func (r *Repeats) See(k Key, id string) (firstID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.first[k]; ok {
		return f
	}
	if len(r.order) < r.cap {
		r.order = append(r.order, k)
	} else {
		delete(r.first, r.order[r.next])
		r.order[r.next] = k
		r.next = (r.next + 1) % r.cap
	}
	r.first[k] = id
	return ""
}

// Len is how many distinct deliveries are remembered.
func (r *Repeats) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.first)
}
