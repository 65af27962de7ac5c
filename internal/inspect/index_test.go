package inspect

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
)

func newIndex(t *testing.T, o IndexOptions, paths ...string) *Index {
	t.Helper()
	ix, err := NewIndex(paths, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// pageAll lists everything f matches, limit at a time, following Next.
func pageAll(t *testing.T, ix *Index, f Filter, limit, budget int) (got []string, pages int) {
	t.Helper()
	before := -1
	for {
		p := ix.List(f, PageOptions{Before: before, Limit: limit, Budget: budget})
		got = append(got, ids(p.Items)...)
		pages++
		if p.Next < 0 {
			return got, pages
		}
		if p.Next >= before && before >= 0 {
			t.Fatalf("paging went nowhere: before %d, next %d", before, p.Next)
		}
		before = p.Next
	}
}

func TestListNewestFirstInPages(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 25)
	writeFile(t, path, recs...)
	ix := newIndex(t, IndexOptions{}, path)
	if ix.Len() != 25 {
		t.Fatalf("Len = %d", ix.Len())
	}
	first := ix.List(Filter{}, PageOptions{Before: -1, Limit: 10})
	if want := reversed(recIDs(recs))[:10]; !slices.Equal(ids(first.Items), want) || first.Next != 15 {
		t.Fatalf("first page %v next %d, want %v next 15", ids(first.Items), first.Next, want)
	}
	got, pages := pageAll(t, ix, Filter{}, 10, 0)
	if !slices.Equal(got, reversed(recIDs(recs))) || pages != 3 {
		t.Fatalf("paged %d pages: %v", pages, got)
	}
}

func TestOnlyKeepRecordsAreHeldTheRestReadByOffset(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 40)
	writeFile(t, path, recs...)
	ix := newIndex(t, IndexOptions{Keep: 5}, path)
	if ix.Held() != 0 {
		t.Fatalf("%d records held before any was asked for", ix.Held())
	}
	got, _ := pageAll(t, ix, Filter{}, 7, 0)
	if !slices.Equal(got, reversed(recIDs(recs))) {
		t.Fatalf("listed %v", got)
	}
	if ix.Held() != 5 {
		t.Fatalf("%d records held, want Keep = 5", ix.Held())
	}
	// An old one, read again from the file, is whole.
	pos, ok := ix.Lookup(recs[3].ID)
	if !ok {
		t.Fatal("no position for", recs[3].ID)
	}
	rec, err := ix.Record(pos)
	if err != nil || rec.Body != recs[3].Body || rec.Event != recs[3].Event || rec.Headers.Get("Stripe-Signature") != "t=1,v1=abc" {
		t.Fatalf("old record %+v, %v", rec, err)
	}
	if ix.Held() != 5 {
		t.Fatalf("reading an old record kept it: %d held", ix.Held())
	}
}

func TestFilterIsTheWhereLanguagePlusText(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 20)
	bin := delivery(20, "file.uploaded", "")
	bin.SetBody([]byte("\xff\xfeBINARY needle\x00"))
	recs = append(recs, bin)
	writeFile(t, path, recs...)
	ix := newIndex(t, IndexOptions{}, path)
	cases := []struct {
		event string
		where []string
		text  string
		want  []string
	}{
		{event: "charge.f*", want: pick(recs, func(i int) bool { return i < 20 && i%2 == 1 })},
		{where: []string{"data.amount>=1500"}, want: pick(recs, func(i int) bool { return i >= 15 && i < 20 })},
		{event: "charge.succeeded", where: []string{"data.amount>=1500", `record.verdict=="valid"`}, want: pick(recs, func(i int) bool { return i >= 15 && i < 20 && i%2 == 0 })},
		{where: []string{"header.Content-Type~application/*"}, want: pick(recs, func(i int) bool { return true })},
		{text: `EVT_7"`, want: pick(recs, func(i int) bool { return i == 7 })},
		{text: "binary NEEDLE", want: pick(recs, func(i int) bool { return i == 20 })},
		{event: "none.such", want: nil},
	}
	for _, c := range cases {
		f, err := NewFilter(c.event, c.where, c.text)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := pageAll(t, ix, f, 3, 0)
		if !slices.Equal(got, reversed(c.want)) {
			t.Errorf("event %q where %q text %q: got %v, want %v", c.event, c.where, c.text, got, reversed(c.want))
		}
	}
	if _, err := NewFilter("", []string{"data.amount"}, ""); err == nil || !strings.Contains(err.Error(), "no operator") {
		t.Errorf("a condition without an operator: %v", err)
	}
}

func pick(recs []*capture.Record, keep func(i int) bool) []string {
	var out []string
	for i, r := range recs {
		if keep(i) {
			out = append(out, r.ID)
		}
	}
	return out
}

func TestBudgetBoundsWhatOnePageReads(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 30)
	writeFile(t, path, recs...)
	ix := newIndex(t, IndexOptions{}, path)
	f, _ := NewFilter("", []string{"data.amount<100"}, "") // only the oldest
	p := ix.List(f, PageOptions{Before: -1, Limit: 10, Budget: 8})
	if len(p.Items) != 0 || p.Scanned != 8 || p.Next != 22 {
		t.Fatalf("page %v scanned %d next %d", ids(p.Items), p.Scanned, p.Next)
	}
	got, pages := pageAll(t, ix, f, 10, 8)
	if !slices.Equal(got, []string{recs[0].ID}) || pages != 4 {
		t.Fatalf("got %v in %d pages", got, pages)
	}
}

func TestFilesAreMergedByTime(t *testing.T) {
	a, b := tempFile(t, "a.jsonl"), tempFile(t, "b.jsonl")
	recs := deliveries(0, 10)
	var even, odd []*capture.Record
	for i, r := range recs {
		if i%2 == 0 {
			even = append(even, r)
		} else {
			odd = append(odd, r)
		}
	}
	writeFile(t, a, even...)
	writeFile(t, b, odd...)
	ix := newIndex(t, IndexOptions{}, a, b)
	got, _ := pageAll(t, ix, Filter{}, 4, 0)
	if !slices.Equal(got, reversed(recIDs(recs))) {
		t.Fatalf("got %v", got)
	}
}

func TestBadLinesAreSkipped(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 3)
	bad := delivery(3, "x", "")
	content := line(t, recs[0]) + "\n   \n" + "not json at all\n" + line(t, recs[1]) +
		strings.Replace(line(t, bad), `"body_encoding":"utf8"`, `"body_encoding":"rot13"`, 1) + line(t, recs[2])
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	ix := newIndex(t, IndexOptions{Warn: func(s string) { warnings = append(warnings, s) }}, path)
	p := ix.List(Filter{}, PageOptions{Before: -1, Limit: 10})
	if !slices.Equal(ids(p.Items), reversed(recIDs(recs))) || p.Skipped != 1 {
		t.Fatalf("listed %v, skipped %d", ids(p.Items), p.Skipped)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "not a capture record") || !strings.Contains(warnings[1], "rot13") {
		t.Fatalf("warnings: %q", warnings)
	}
	// Listed again, the unreadable line is skipped without a word.
	if p := ix.List(Filter{}, PageOptions{Before: -1, Limit: 10}); p.Skipped != 1 || len(warnings) != 2 {
		t.Fatalf("listed again: skipped %d, warnings %q", p.Skipped, warnings)
	}
}

// following runs ix.follow in step with the test: look makes it look at
// the file once more and waits until it has.
type following struct {
	t     *testing.T
	tick  chan time.Time
	looks chan struct{}
	done  chan struct{}
}

func followIndex(t *testing.T, ix *Index) *following {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fl := &following{t: t, tick: make(chan time.Time), looks: make(chan struct{}), done: make(chan struct{})}
	looked := func() {
		select {
		case fl.looks <- struct{}{}:
		case <-ctx.Done():
		}
	}
	go func() {
		ix.follow(ctx, capture.FollowOptions{Tick: fl.tick, Looked: looked})
		close(fl.done)
	}()
	t.Cleanup(func() { cancel(); <-fl.done })
	fl.wait()
	return fl
}

func (fl *following) wait() {
	fl.t.Helper()
	select {
	case <-fl.looks:
	case <-fl.done:
		fl.t.Fatal("Follow ended")
	}
}

func (fl *following) look() {
	fl.t.Helper()
	fl.tick <- time.Time{}
	fl.wait()
}

func wantLen(t *testing.T, ix *Index, n int, what string) {
	t.Helper()
	if got := ix.Len(); got != n {
		t.Fatalf("%s: %d deliveries, want %d", what, got, n)
	}
}

func TestFollowIndexesWhatIsAppended(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 10)
	// A file that ends in a whole record without its newline: the record
	// is indexed at the start (as Read takes it).
	writeFile(t, path, recs[:2]...)
	l2 := line(t, recs[2])
	appendRaw(t, path, l2[:len(l2)-1])
	ix := newIndex(t, IndexOptions{Keep: 3}, path)
	wantLen(t, ix, 3, "at the start")
	fl := followIndex(t, ix)
	changed := ix.Changed()
	// Its newline, then one more: that one is added, the first not twice.
	appendRaw(t, path, "\n"+line(t, recs[3]))
	fl.look()
	wantLen(t, ix, 4, "its newline, then one more")
	<-changed // closed by the addition

	// A torn last line is not indexed until it is whole.
	changed = ix.Changed()
	l4 := line(t, recs[4])
	appendRaw(t, path, l4[:len(l4)/2])
	fl.look()
	wantLen(t, ix, 4, "a torn line")
	select {
	case <-changed:
		t.Fatal("woken with nothing added")
	default:
	}
	appendRaw(t, path, l4[len(l4)/2:])
	fl.look()
	wantLen(t, ix, 5, "the line completed")
	<-changed

	// A record appended without its newline, while followed, is taken
	// when its newline comes (capture.Follow's rule for a growing file).
	l5 := line(t, recs[5])
	appendRaw(t, path, l5[:len(l5)-1])
	fl.look()
	wantLen(t, ix, 5, "a record without its newline")
	appendRaw(t, path, "\n")
	fl.look()
	wantLen(t, ix, 6, "its newline")

	// The file recreated: its records again (as the writer writes them
	// again after a deletion) are not indexed twice; the new one is.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, recs[4], recs[5], recs[6])
	fl.look()
	wantLen(t, ix, 7, "recreated")
	// More, so that the new file's first is no longer held.
	appendRaw(t, path, line(t, recs[7])+line(t, recs[8])+line(t, recs[9]))
	fl.look()
	wantLen(t, ix, 10, "grown again")
	got, _ := pageAll(t, ix, Filter{}, 2, 0)
	if !slices.Equal(got, reversed(recIDs(recs))) {
		t.Fatalf("got %v", got)
	}
	// The records of the deleted file still read from it, those of the
	// new file from the new one.
	for _, r := range recs {
		pos, _ := ix.Lookup(r.ID)
		if rec, err := ix.Record(pos); err != nil || rec.ID != r.ID {
			t.Fatalf("%s read back: %v", r.ID, err)
		}
	}
}

func TestAddTakesAFollowersRecords(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 3)
	writeFile(t, path, recs[:2]...)
	ix := newIndex(t, IndexOptions{Keep: 2}, path)
	add := func(r *capture.Record) {
		t.Helper()
		st, _ := os.Stat(path)
		l := line(t, r)
		appendRaw(t, path, l)
		if err := ix.Add(path, capture.Place{File: st, Offset: st.Size(), Len: len(l) - 1}, r); err != nil {
			t.Fatal(err)
		}
	}
	changed := ix.Changed()
	add(recs[2])
	<-changed
	st, _ := os.Stat(path)
	l := line(t, recs[2])
	if err := ix.Add(path, capture.Place{File: st, Offset: st.Size() - int64(len(l)), Len: len(l) - 1}, recs[2]); err != nil || ix.Len() != 3 {
		t.Fatalf("added twice: %d deliveries, %v", ix.Len(), err)
	}
	if ix.Held() != 1 {
		t.Fatalf("the follower's record is not held: %d", ix.Held())
	}
	// Once it is no longer among the newest Keep, it is read from the file.
	for i := 3; i < 6; i++ {
		add(delivery(i, "e", "{}"))
	}
	pos, _ := ix.Lookup(recs[2].ID)
	if rec, err := ix.Record(pos); err != nil || rec == recs[2] || rec.Body != recs[2].Body {
		t.Fatalf("read back: %v (the same pointer: %v)", err, rec == recs[2])
	}

	// A record of a file path no longer names (replaced before the index
	// opened it) is held in memory, then gone; the file at path is read.
	other := tempFile(t, "other.jsonl")
	gone := delivery(6, "e", "{}")
	writeFile(t, other, gone)
	oldInfo, _ := os.Stat(other)
	if err := ix.Add(path, capture.Place{File: oldInfo, Len: len(line(t, gone)) - 1}, gone); err != nil {
		t.Fatal(err)
	}
	goneAt, _ := ix.Lookup(gone.ID)
	if rec, err := ix.Record(goneAt); err != nil || rec != gone {
		t.Fatalf("held: %v", err)
	}
	add(delivery(7, "e", "{}"))
	add(delivery(8, "e", "{}"))
	if _, err := ix.Record(goneAt); !errors.Is(err, ErrGone) {
		t.Fatalf("no longer held: %v, want gone", err)
	}
	d4 := delivery(4, "e", "{}")
	if pos, ok := ix.Lookup(d4.ID); !ok {
		t.Fatal("delivery 4 not indexed")
	} else if rec, err := ix.Record(pos); err != nil || rec.Body != d4.Body {
		t.Fatalf("read from path's file: %v", err)
	}
}

func TestRecordOfALineWrittenOverIsGone(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 2)
	writeFile(t, path, recs...)
	ix := newIndex(t, IndexOptions{Keep: 1}, path)
	// Written over in place with another record of the same length.
	other := *recs[0]
	other.ID = other.ID[:len(other.ID)-1] + "Z"
	if err := os.WriteFile(path, []byte(line(t, &other)+line(t, recs[1])), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Record(0); err == nil || !strings.Contains(err.Error(), ErrGone.Error()) {
		t.Fatalf("Record(0) = %v, want gone", err)
	}
}
