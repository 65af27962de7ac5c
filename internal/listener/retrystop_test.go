package listener

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
)

// TestStopEndsForwardRetryWait: a listener told to stop while a delivery
// waits for its next forward attempt stops at once, not after the wait;
// the delivery is kept with the attempts made, and its sender gets the
// last one's answer.
func TestStopEndsForwardRetryWait(t *testing.T) {
	second := make(chan struct{})
	var hits atomic.Int32
	a := newApp(t, func(w http.ResponseWriter, _ *http.Request) {
		if hits.Add(1) == 2 {
			close(second)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "down")
	})
	store := &memStore{}
	var mu sync.Mutex
	var got []Delivery
	ho := Options{
		Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(2*time.Second), nil),
		// The first retry at once, the second after an hour.
		ForwardRetry: delivery.Schedule{0, time.Hour},
		Store:        store,
		OnDelivery: func(d Delivery) {
			mu.Lock()
			got = append(got, d)
			mu.Unlock()
		},
	}
	// WriteTimeout bounds how long Serve waits for it when it stops, so
	// that a listener that would wait out the hour fails here.
	sv := startServe(t, ServerOptions{Handler: ho, ExpectApp2xx: true, WriteTimeout: 5 * time.Second})
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Post(sv.url+"/hook", "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b), err}
	}()
	<-second
	sv.cancel()
	sv.wait(t)
	if ans := <-answered; ans.err != nil || ans.status != http.StatusServiceUnavailable || ans.body != "down" {
		t.Errorf("the sender got %d %q (%v), want the app's last answer, 503 down", ans.status, ans.body, ans.err)
	}
	recs := store.records(t)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || len(recs) != 1 {
		t.Fatalf("%d deliveries told, %d kept; want 1", len(got), len(recs))
	}
	d, rec := got[0], recs[0]
	if !d.RetryStopped {
		t.Error("RetryStopped is false")
	}
	var statuses []int
	for _, f := range rec.ForwardAttempts {
		statuses = append(statuses, f.Status)
	}
	if !equalInts(statuses, []int{503, 503}) || rec.Forward == nil || rec.Forward.Status != 503 {
		t.Errorf("kept attempts %v, forward %+v; want the two made, the last as forward", statuses, rec.Forward)
	}
	if want := (capture.Answer{Status: 503, Reason: "the app's answer; no retry: the listener stopped"}); rec.Answer != want {
		t.Errorf("answer %+v, want %+v", rec.Answer, want)
	}
	if f := sv.res.AppFailures; len(f) != 1 || f[0].Attempts != 2 || f[0].Status != 503 {
		t.Errorf("app failures %+v, want one with 2 attempts, 503", f)
	}
	if n := len(a.got()); n != 2 {
		t.Errorf("the app got %d attempts, want 2", n)
	}
}
