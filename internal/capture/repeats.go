package capture

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"strings"
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
//     as on the wire), SignedID and Body bytes;
//
// and, either way, both have a signature that was checked and failed
// (Invalid), or neither has: a forgery copying a real delivery's event id
// or bytes is not that delivery again (its 2xx from the app would clear
// the real one's failure under listen --expect-app-2xx).
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
	// Invalid says the delivery's signature was checked and failed.
	Invalid             bool
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
	if id.Invalid {
		writePart(h, "invalid")
	}
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
// remembers to recognise repeats of (the last half of them at least):
// about 6 MiB at most, for a listener that runs for days and receives
// millions.
const DefaultRepeatsMemory = 100_000

// Repeats remembers the deliveries seen, by Key, with the id of the first
// of each: the most recent ones, at least Capacity/2 and at most Capacity
// distinct deliveries, so memory stays bounded however long a listener
// runs. It keeps two generations of at most Capacity/2 each and drops the
// older whole when the newer is full: a map that only grows and is then
// dropped stays compact, where one with a deletion per delivery would
// grow on its own tombstones. It is safe for concurrent use.
type Repeats struct {
	mu sync.Mutex
	// cur and old hold no pointer (an id is a ULID, 26 bytes, kept
	// inline), so the garbage collector never scans them.
	cur, old map[Key]idBytes
	half     int
}

// NewRepeats remembers up to capacity distinct deliveries (at least 2).
func NewRepeats(capacity int) *Repeats {
	return &Repeats{cur: map[Key]idBytes{}, half: max(capacity/2, 1)}
}

// idBytes is a record id (a ULID: 26 characters) held inline; a longer id
// is cut, a shorter one padded with NULs.
type idBytes [26]byte

func (b idBytes) String() string { return strings.TrimRight(string(b[:]), "\x00") }

// See notes a delivery with key k and record id id. It returns the id of
// the first delivery with the same key, or "" when there is none (or it
// was forgotten): then this one is remembered as the first.
func (r *Repeats) See(k Key, id string) (firstID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.cur[k]; ok {
		return f.String()
	}
	if f, ok := r.old[k]; ok {
		return f.String()
	}
	if len(r.cur) >= r.half {
		r.old, r.cur = r.cur, map[Key]idBytes{}
	}
	var b idBytes
	copy(b[:], id)
	r.cur[k] = b
	return ""
}

// Len is how many distinct deliveries are remembered.
func (r *Repeats) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cur) + len(r.old)
}
