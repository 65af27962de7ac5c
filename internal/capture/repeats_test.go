package capture

import (
	"fmt"
	"testing"
)

// TestIdentitySameDelivery: what is and is not the same delivery.
func TestIdentitySameDelivery(t *testing.T) {
	base := Identity{Method: "POST", Path: "/hooks", Body: []byte(`{"event":"a"}`)}
	with := func(f func(*Identity)) Identity { id := base; f(&id); return id }
	for _, tc := range []struct {
		name string
		a, b Identity
		same bool
	}{
		{"the same request again (a retry, re-signed)", base, base, true},
		{"another body", base, with(func(id *Identity) { id.Body = []byte(`{"event":"b"}`) }), false},
		{"the body one byte longer", base, with(func(id *Identity) { id.Body = append([]byte(`{"event":"a"}`), '\n') }), false},
		{"another path", base, with(func(id *Identity) { id.Path = "/other" }), false},
		{"another query", base, with(func(id *Identity) { id.Query = "a=1" }), false},
		{"another method", base, with(func(id *Identity) { id.Method = "PUT" }), false},
		{"the same body under another signed id (webhook-id)", with(func(id *Identity) { id.SignedID = "msg_1" }), with(func(id *Identity) { id.SignedID = "msg_2" }), false},
		{"the same body and signed id", with(func(id *Identity) { id.SignedID = "msg_1" }), with(func(id *Identity) { id.SignedID = "msg_1" }), true},
		{"the same event id, another body", with(func(id *Identity) { id.EventID = "evt_1" }), Identity{EventID: "evt_1", Method: "POST", Path: "/x", Body: []byte("{}")}, true},
		{"another event id, the same body", with(func(id *Identity) { id.EventID = "evt_1" }), with(func(id *Identity) { id.EventID = "evt_2" }), false},
		// Bytes moved from one part to the next make another identity.
		{"parts are delimited", Identity{Method: "POST", Path: "/ab", Body: []byte("c")}, Identity{Method: "POST", Path: "/a", Body: []byte("bc")}, false},
		{"parts are delimited (query)", Identity{Path: "/a", Query: "b"}, Identity{Path: "/ab"}, false},
		{"an event id is not a path", Identity{EventID: "x"}, Identity{Path: "x"}, false},
	} {
		if got := tc.a.Key() == tc.b.Key(); got != tc.same {
			t.Errorf("%s: same %v, want %v", tc.name, got, tc.same)
		}
	}
}

// TestRepeatsNamesTheFirst: a repeat is told the first delivery's id, not
// the previous repeat's.
func TestRepeatsNamesTheFirst(t *testing.T) {
	r := NewRepeats(10)
	a, b := Identity{Path: "/", Body: []byte("a")}.Key(), Identity{Path: "/", Body: []byte("b")}.Key()
	for _, step := range []struct {
		k        Key
		id, want string
	}{{a, "A1", ""}, {b, "B1", ""}, {a, "A2", "A1"}, {a, "A3", "A1"}, {b, "B2", "B1"}} {
		if got := r.See(step.k, step.id); got != step.want {
			t.Errorf("See(%s) = %q, want %q", step.id, got, step.want)
		}
	}
}

// TestRepeatsMemoryIsBounded: a million distinct deliveries leave at most
// the capacity remembered, and at least half of it; the oldest are
// forgotten first, the recent ones are still recognised.
func TestRepeatsMemoryIsBounded(t *testing.T) {
	const capacity, n = 1000, 1_000_000
	r := NewRepeats(capacity)
	key := func(i int) Key { return Identity{Path: "/", Body: fmt.Appendf(nil, "%d", i)}.Key() }
	for i := range n {
		if got := r.See(key(i), fmt.Sprint(i)); got != "" {
			t.Fatalf("delivery %d is a repeat of %s", i, got)
		}
		if l := r.Len(); l > capacity {
			t.Fatalf("%d remembered after %d, want at most %d", l, i+1, capacity)
		}
	}
	if l := r.Len(); l < capacity/2 {
		t.Fatalf("%d remembered, want at least %d", l, capacity/2)
	}
	for _, i := range []int{n - 1, n - capacity/2} {
		if got := r.See(key(i), "again"); got != fmt.Sprint(i) {
			t.Errorf("delivery %d again: repeat of %q, want %d", i, got, i)
		}
	}
	if got := r.See(key(0), "again"); got != "" {
		t.Errorf("the first of a million again: repeat of %q, want it forgotten", got)
	}
}
