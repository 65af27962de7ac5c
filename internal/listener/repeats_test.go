package listener

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestRepeatsAreMarked: a delivery that repeats an earlier one names the
// first (repeat_of); another body, path, query or signed id is another
// delivery; the provider's event id makes two bodies the same delivery.
func TestRepeatsAreMarked(t *testing.T) {
	sw, err := signature.Lookup("standard-webhooks", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := serve(t, Options{EventPath: "type", EventIDPath: "eventId", Scheme: sw})
	sends := []struct {
		target, body, webhookID string
		repeats                 int // index of the delivery it repeats, -1 none
	}{
		{"/a", `{"n":1}`, "", -1},
		{"/a", `{"n":1}`, "", 0},
		{"/b", `{"n":1}`, "", -1},
		{"/a?x=1", `{"n":1}`, "", -1},
		{"/a", `{"n":2}`, "", -1},
		{"/a", `{"n":1}`, "", 0},
		// The id Standard Webhooks signs: the same body under another id is
		// another message; under the same id, a retry.
		{"/s", `{"n":3}`, "msg_1", -1},
		{"/s", `{"n":3}`, "msg_2", -1},
		{"/s", `{"n":3}`, "msg_1", 6},
		// The provider's event id, wherever the bytes differ.
		{"/e", `{"eventId":"evt_1","at":1}`, "", -1},
		{"/other", `{"eventId":"evt_1","at":2}`, "", 9},
		{"/e", `{"eventId":"evt_2","at":1}`, "", -1},
	}
	for _, s := range sends {
		hdr := http.Header{}
		if s.webhookID != "" {
			hdr.Set("Webhook-Id", s.webhookID)
			hdr.Set("Webhook-Timestamp", "1")
			hdr.Set("Webhook-Signature", "v1,AAAA")
		}
		// One at a time: the first of each is the first seen.
		h.post(t, s.target, []byte(s.body), hdr)
	}
	ds := h.deliveries()
	if len(ds) != len(sends) {
		t.Fatalf("%d deliveries, want %d", len(ds), len(sends))
	}
	for i, s := range sends {
		want := ""
		if s.repeats >= 0 {
			want = ds[s.repeats].Record.ID
		}
		if got := ds[i].Record.RepeatOf; got != want {
			t.Errorf("delivery %d (%s %s %s): repeat_of %q, want %q", i, s.target, s.body, s.webhookID, got, want)
		}
		if (ds[i].Key == ds[max(s.repeats, 0)].Key) != (s.repeats >= 0) && i != 0 {
			t.Errorf("delivery %d: key shared %v, want %v", i, ds[i].Key == ds[max(s.repeats, 0)].Key, s.repeats >= 0)
		}
	}
}

// TestRepeatsAreKept: repeat_of is in the record written, not only in
// what is shown.
func TestRepeatsAreKept(t *testing.T) {
	store := &memStore{}
	h := serve(t, Options{Store: store})
	h.post(t, "/", []byte(`{"a":1}`), nil)
	h.post(t, "/", []byte(`{"a":1}`), nil)
	h.deliveries()
	kept := store.records(t)
	if len(kept) != 2 || kept[0].RepeatOf != "" || kept[1].RepeatOf != kept[0].ID {
		t.Fatalf("kept %d records, repeat_of %q and %q; want the second to name %q", len(kept), kept[0].RepeatOf, kept[len(kept)-1].RepeatOf, kept[0].ID)
	}
}

// TestServeExitAfterCountsDistinctDeliveries: a retry is not another
// delivery for --exit-after, unless CountAttempts.
func TestServeExitAfterCountsDistinctDeliveries(t *testing.T) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	sv := startServe(t, ServerOptions{Handler: Options{}, ExitAfter: 2})
	// Had the repeat counted, Serve would have stopped before the third
	// request, which would then fail.
	for _, body := range []string{`{"a":1}`, `{"a":1}`, `{"b":1}`} {
		if status, _ := post(t, c, sv.url, body); status != http.StatusOK {
			t.Fatalf("%s: answered %d", body, status)
		}
	}
	sv.wait(t)
	if sv.err != nil || sv.res.TimedOut || sv.res.Counted != 2 || sv.res.Stats.Received != 3 || sv.res.Stats.Repeats != 1 {
		t.Errorf("result %+v (%v), want 2 counted of 3 received, 1 repeat", sv.res, sv.err)
	}

	sv = startServe(t, ServerOptions{Handler: Options{}, ExitAfter: 2, CountAttempts: true})
	for _, body := range []string{`{"a":1}`, `{"a":1}`} {
		if status, _ := post(t, c, sv.url, body); status != http.StatusOK {
			t.Fatalf("%s: answered %d", body, status)
		}
	}
	sv.wait(t)
	if sv.err != nil || sv.res.Counted != 2 || sv.res.Stats.Received != 2 {
		t.Errorf("--count-attempts: result %+v (%v), want 2 counted of 2", sv.res, sv.err)
	}
}

// failFirst fails the first append of each body: a 503 the sender retries.
type failFirst struct {
	memStore
	mu   sync.Mutex
	seen map[string]bool
}

func (s *failFirst) Append(r *capture.Record) error {
	s.mu.Lock()
	first := !s.seen[r.Body]
	s.seen[r.Body] = true
	s.mu.Unlock()
	if first {
		return errors.New("disk full")
	}
	return s.memStore.Append(r)
}

// TestServeExitAfterCountsARetryOfAnUnkeptDelivery: the retry of a
// delivery answered 503 (not kept) is the one that counts.
func TestServeExitAfterCountsARetryOfAnUnkeptDelivery(t *testing.T) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	sv := startServe(t, ServerOptions{Handler: Options{Store: &failFirst{seen: map[string]bool{}}}, ExitAfter: 1})
	if status, _ := post(t, c, sv.url, `{"a":1}`); status != http.StatusServiceUnavailable {
		t.Fatalf("first attempt answered %d, want 503", status)
	}
	if status, _ := post(t, c, sv.url, `{"a":1}`); status != http.StatusOK {
		t.Fatalf("retry answered %d, want 200", status)
	}
	sv.wait(t)
	if sv.res.Counted != 1 || sv.res.TimedOut {
		t.Errorf("result %+v, want the retry counted", sv.res)
	}
}

// firstFails is an app that answers 500 to the first attempt of each body
// and 200 to the others, or 500 to every attempt of a body holding "bad".
func firstFails() func(http.ResponseWriter, *http.Request) {
	var mu sync.Mutex
	seen := map[string]int{}
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[string(b)]++
		n := seen[string(b)]
		mu.Unlock()
		if n == 1 || strings.Contains(string(b), "bad") {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

// TestServeExpectApp2xx: --exit-after counts the deliveries the app
// accepted, so a retry after the app's 500 still finds the listener; the
// deliveries whose last attempt the app did not accept are told.
func TestServeExpectApp2xx(t *testing.T) {
	// newApp reads the body before its handler does.
	a := httptest.NewServer(http.HandlerFunc(firstFails()))
	t.Cleanup(a.Close)
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	fw := forwarder(t, "http://"+a.Listener.Addr().String(), httpx.PathReplace, client(2*time.Second), nil)
	sv := startServe(t, ServerOptions{Handler: Options{Forward: fw}, ExitAfter: 2, ExpectApp2xx: true})
	for _, d := range []struct {
		body   string
		status int
	}{{`{"a":1}`, 500}, {`{"a":1}`, 200}, {`{"b":1}`, 500}, {`{"b":1}`, 200}} {
		if status, _ := post(t, c, sv.url, d.body); status != d.status {
			t.Fatalf("%s: answered %d, want %d", d.body, status, d.status)
		}
	}
	sv.wait(t)
	if sv.err != nil || sv.res.TimedOut || sv.res.Counted != 2 || len(sv.res.AppFailures) != 0 {
		t.Errorf("result %+v (%v), want 2 counted, no failures", sv.res, sv.err)
	}

	// A delivery the app fails at every attempt: told with its last
	// attempt and how many there were; one accepted at its retry is not.
	var ids []string
	ho := Options{Forward: fw, OnDelivery: func(d Delivery) { ids = append(ids, d.Record.ID) }}
	sv = startServe(t, ServerOptions{Handler: ho, ExitAfter: 5, ExpectApp2xx: true})
	for _, body := range []string{`{"bad":1}`, `{"c":1}`, `{"bad":1}`, `{"c":1}`, `{"bad":1}`} {
		post(t, c, sv.url, body)
	}
	sv.cancel()
	sv.wait(t)
	want := AppFailure{ID: ids[4], FirstID: ids[0], Status: 500, Attempts: 3}
	if len(sv.res.AppFailures) != 1 || sv.res.Counted != 1 {
		t.Fatalf("failures %+v, counted %d; want one failure, 1 counted", sv.res.AppFailures, sv.res.Counted)
	}
	got := sv.res.AppFailures[0]
	got.seq = 0
	if got != want {
		t.Errorf("failure %+v, want %+v", got, want)
	}
}

// TestServeExpectApp2xxNeverForwarded: a delivery that was not forwarded
// (rejected as invalid) was not accepted by the app.
func TestServeExpectApp2xxNeverForwarded(t *testing.T) {
	a := newApp(t, answering(200, "text/plain", "ok"))
	fw := forwarder(t, "http://"+a.host(), httpx.PathReplace, client(2*time.Second), nil)
	sv := startServe(t, ServerOptions{Handler: Options{Forward: fw, Scheme: github(t), Secrets: []signature.Secret{signature.NewSecret("s3cret")}, RejectInvalid: true}, ExpectApp2xx: true})
	if status, _ := post(t, http.DefaultClient, sv.url, `{}`); status != http.StatusUnauthorized {
		t.Fatalf("answered %d, want 401", status)
	}
	sv.cancel()
	sv.wait(t)
	if f := sv.res.AppFailures; len(f) != 1 || f[0].Status != 0 || !strings.HasPrefix(f[0].Error, "not forwarded: invalid signature") {
		t.Errorf("failures %+v, want one not forwarded", f)
	}
}

// TestForwardRetry: the app is tried again, as a provider would, after a
// 5xx or no answer, and each attempt is recorded; a 4xx is its answer.
func TestForwardRetry(t *testing.T) {
	var mu sync.Mutex
	answers := map[string][]int{"/flaky": {500, 503, 200}, "/down": {502, 502, 502, 502}, "/no": {400, 200}}
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		q := answers[r.URL.Path]
		status := q[0]
		answers[r.URL.Path] = q[1:]
		mu.Unlock()
		w.WriteHeader(status)
	})
	h := serve(t, Options{Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(2*time.Second), nil), ForwardRetry: delivery.Doubling(time.Millisecond, time.Minute, 2)})
	for _, c := range []struct {
		path     string
		status   int
		attempts []int
	}{
		{"/flaky", 200, []int{500, 503, 200}},
		{"/down", 502, []int{502, 502, 502}}, // 1 + 2 retries
		{"/no", 400, nil},                    // one attempt: no forward_attempts
	} {
		if resp := h.post(t, c.path, []byte(`{}`), nil); resp.status != c.status {
			t.Errorf("%s: answered %d, want %d", c.path, resp.status, c.status)
		}
	}
	for _, d := range h.deliveries() {
		rec := d.Record
		var got []int
		for _, a := range rec.ForwardAttempts {
			got = append(got, a.Status)
		}
		var want []int
		switch rec.Path {
		case "/flaky":
			want = []int{500, 503, 200}
		case "/down":
			want = []int{502, 502, 502}
		}
		if !equalInts(got, want) || rec.Forward == nil || rec.Forward.Status != rec.Answer.Status {
			t.Errorf("%s: attempts %v, forward %+v, answer %d; want attempts %v, the last one as forward", rec.Path, got, rec.Forward, rec.Answer.Status, want)
		}
	}
	if n := len(a.got()); n != 3+3+1 {
		t.Errorf("the app got %d requests, want 7", n)
	}
}

// TestForwardRetryUnreachable: an app that cannot be reached is tried
// again, each attempt recorded with its error.
func TestForwardRetryUnreachable(t *testing.T) {
	a := newApp(t, answering(200, "text/plain", "ok"))
	host := a.host()
	a.srv.Close()
	h := serve(t, Options{Forward: forwarder(t, "http://"+host, httpx.PathReplace, client(2*time.Second), nil), ForwardRetry: delivery.Doubling(time.Millisecond, time.Minute, 1)})
	if resp := h.post(t, "/", []byte(`{}`), nil); resp.status != http.StatusBadGateway {
		t.Errorf("answered %d, want 502", resp.status)
	}
	d := h.one(t)
	if n := len(d.Record.ForwardAttempts); n != 2 || d.Record.ForwardAttempts[0].Error == "" || d.ForwardErr == nil {
		t.Errorf("attempts %+v, want 2 with errors", d.Record.ForwardAttempts)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNotCheckedIsNotInvalid: with a scheme and no secret, a signed
// delivery is not checked: not counted as invalid.
func TestNotCheckedIsNotInvalid(t *testing.T) {
	sv := startServe(t, ServerOptions{Handler: Options{Scheme: github(t)}})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, sv.url, strings.NewReader(`{}`))
	req.Header.Set("X-Hub-Signature-256", "sha256=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sv.cancel()
	sv.wait(t)
	if st := sv.res.Stats; st.Invalid != 0 || st.ByVerdict["no_secret"] != 1 {
		t.Errorf("stats %+v, want 1 no_secret, none invalid", st)
	}
}
