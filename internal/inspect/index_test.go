package inspect

import (
	"os"
	"slices"
	"strings"
	"testing"

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

func TestRefreshIndexesWhatIsAppended(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 6)
	writeFile(t, path, recs[:2]...)
	ix := newIndex(t, IndexOptions{Keep: 3}, path)
	changed := ix.Changed()

	// A torn last line is not indexed until it is whole.
	l2 := line(t, recs[2])
	appendRaw(t, path, l2[:len(l2)/2])
	if n, err := ix.Refresh(); n != 0 || err != nil {
		t.Fatalf("a torn line: Refresh = %d, %v", n, err)
	}
	select {
	case <-changed:
		t.Fatal("woken with nothing added")
	default:
	}
	appendRaw(t, path, l2[len(l2)/2:])
	if n, err := ix.Refresh(); n != 1 || err != nil {
		t.Fatalf("the line completed: Refresh = %d, %v", n, err)
	}
	<-changed // closed by the addition

	// A whole last record without its newline is taken, once.
	l3 := line(t, recs[3])
	appendRaw(t, path, l3[:len(l3)-1])
	if n, _ := ix.Refresh(); n != 1 {
		t.Fatalf("a record without its newline: Refresh = %d", n)
	}
	appendRaw(t, path, "\n"+line(t, recs[4]))
	if n, _ := ix.Refresh(); n != 1 {
		t.Fatalf("its newline, then one more: Refresh = %d", n)
	}

	// The file recreated: its records again (as the writer writes them
	// again after a deletion) are not indexed twice; the new one is.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, recs[3], recs[4], recs[5])
	if n, err := ix.Refresh(); n != 1 || err != nil {
		t.Fatalf("recreated: Refresh = %d, %v", n, err)
	}
	got, _ := pageAll(t, ix, Filter{}, 2, 0)
	if !slices.Equal(got, reversed(recIDs(recs))) {
		t.Fatalf("got %v", got)
	}
	// The records of the deleted file still read from it.
	pos, _ := ix.Lookup(recs[0].ID)
	if rec, err := ix.Record(pos); err != nil || rec.Body != recs[0].Body {
		t.Fatalf("a record of the deleted file: %v", err)
	}
}

func TestAddTakesAFollowersRecords(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 3)
	writeFile(t, path, recs[:2]...)
	ix := newIndex(t, IndexOptions{Keep: 2}, path)
	st, _ := os.Stat(path)
	l := line(t, recs[2])
	appendRaw(t, path, l)
	changed := ix.Changed()
	if err := ix.Add(path, st.Size(), len(l)-1, recs[2]); err != nil {
		t.Fatal(err)
	}
	<-changed
	if err := ix.Add(path, st.Size(), len(l)-1, recs[2]); err != nil || ix.Len() != 3 {
		t.Fatalf("added twice: %d deliveries, %v", ix.Len(), err)
	}
	if ix.Held() != 1 {
		t.Fatalf("the follower's record is not held: %d", ix.Held())
	}
	// Once it is no longer among the newest Keep, it is read from the file.
	for i := 3; i < 6; i++ {
		r := delivery(i, "e", "{}")
		st, _ := os.Stat(path)
		l := line(t, r)
		appendRaw(t, path, l)
		if err := ix.Add(path, st.Size(), len(l)-1, r); err != nil {
			t.Fatal(err)
		}
	}
	pos, _ := ix.Lookup(recs[2].ID)
	if rec, err := ix.Record(pos); err != nil || rec == recs[2] || rec.Body != recs[2].Body {
		t.Fatalf("read back: %v (the same pointer: %v)", err, rec == recs[2])
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
