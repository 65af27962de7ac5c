package inspect

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
)

// FuzzListParams: whatever the filter and paging parameters, the list
// answers 200 with at most limit deliveries, newest first, below the
// cursor, each one the filter matches, and a next cursor below them; or
// 400 with an error. It never panics.
func FuzzListParams(f *testing.F) {
	path := tempFile(f, "d.jsonl")
	recs := deliveries(0, 40)
	recs = append(recs, hostileRecord())
	recs[len(recs)-1].ID = "ZZZZ"
	writeFile(f, path, recs...)
	ix, err := NewIndex([]string{path}, IndexOptions{Keep: 4})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ix.Close() })
	srv := New(Options{Index: ix})
	srv.port = 4243
	for _, seed := range [][5]string{
		{"", "", "", "", ""},
		{"7", "20", "charge.*", "data.amount>1000", ""},
		{"1", "0", "", "", "evt_1"},
		{"500", "41", "[", "x~[", "\xff"},
		{"-1", "-1", "*", "header.Content-Type==application/json", "EVT"},
		{"3", "999999999999999999999", "", `record.verdict!="valid"`, ""},
		{"2", "5", "", "data.#(amount>5)==1", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4])
	}
	f.Fuzz(func(t *testing.T, limit, cursor, event, where, text string) {
		q := url.Values{}
		for k, v := range map[string]string{"limit": limit, "cursor": cursor, "event": event, "where": where, "q": text} {
			if v != "" {
				q.Set(k, v)
			}
		}
		req := httptest.NewRequest("GET", "/api/deliveries?"+q.Encode(), nil)
		req.Host = "127.0.0.1:4243"
		req.Header.Set("X-Hooktool-Token", srv.token)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code == http.StatusBadRequest {
			var e map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e["error"] == "" {
				t.Fatalf("400 without an error: %s", w.Body)
			}
			return
		}
		if w.Code != http.StatusOK {
			t.Fatalf("%d: %s", w.Code, w.Body)
		}
		var ans ListAnswer
		if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
			t.Fatal(err)
		}
		max := DefaultLimit
		if limit != "" {
			max, _ = strconv.Atoi(limit)
		}
		if len(ans.Deliveries) > max {
			t.Fatalf("%d deliveries, limit %d", len(ans.Deliveries), max)
		}
		below := ix.Len()
		if c, err := strconv.Atoi(cursor); err == nil && c < below {
			below = c
		}
		filter, err := NewFilter(event, q["where"], text)
		if err != nil {
			t.Fatalf("answered 200 for a filter NewFilter refuses: %v", err)
		}
		for _, d := range ans.Deliveries {
			if d.Seq >= below {
				t.Fatalf("seq %d not below %d", d.Seq, below)
			}
			below = d.Seq
			rec, err := ix.Record(d.Seq)
			if err != nil || rec.ID != d.ID || !filter.Match(rec) {
				t.Fatalf("delivery %d (%s) is not one the filter matches: %v", d.Seq, d.ID, err)
			}
		}
		if ans.Next != "" {
			n, err := strconv.Atoi(ans.Next)
			if err != nil || n > below || n < 0 {
				t.Fatalf("next %q after seq %d", ans.Next, below)
			}
		}
	})
}
