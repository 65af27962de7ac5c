package listener

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
)

// Faults, in-process: the forward target resets, hangs up, is slow, or
// hangs while others are served; the store fails for some deliveries and
// not others. Run with -race. (The end-to-end counterparts are
// testdata/script/faults_*.txtar.)

// hangUp answers a request by dropping the connection: with a TCP reset
// when rst, else with a plain close. The request is read first.
func hangUp(rst bool) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		if tc, ok := c.(*net.TCPConn); ok && rst {
			_ = tc.SetLinger(0)
		}
		c.Close()
	}
}

func TestFaultForwardTargetMisbehaves(t *testing.T) {
	tests := []struct {
		name       string
		handle     func(http.ResponseWriter, *http.Request)
		wantStatus int
		wantKind   delivery.Kind // "" when the app answered
		wantApp    int           // the app's status kept in the record
	}{
		{"reset", hangUp(true), 502, delivery.KindReset, 0},
		{"hang-up without an answer", hangUp(false), 502, delivery.KindReset, 0},
		{"slow but in time", func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(150 * time.Millisecond)
			answering(201, "application/json", `{"slow":true}`)(w, r)
		}, 201, "", 201},
		{"app error", answering(500, "text/plain", "boom"), 500, "", 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, tc.handle)
			store := &memStore{}
			h := serve(t, Options{Store: store, Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(2*time.Second), nil)})
			resp := h.post(t, "/in", []byte(`{"a":1}`), nil)
			d := h.one(t)
			if resp.status != tc.wantStatus {
				t.Errorf("sender got %d %q, want %d", resp.status, resp.body, tc.wantStatus)
			}
			if tc.wantKind == "" {
				if d.ForwardErr != nil {
					t.Errorf("ForwardErr %v, want none", d.ForwardErr)
				}
			} else if d.ForwardErr == nil || d.ForwardErr.Kind != tc.wantKind {
				t.Errorf("ForwardErr %#v, want kind %s", d.ForwardErr, tc.wantKind)
			}
			if n := len(a.got()); n != 1 {
				t.Errorf("the app got the delivery %d times, want once", n)
			}
			kept := store.records(t)
			if len(kept) != 1 {
				t.Fatalf("%d records kept, want 1", len(kept))
			}
			rec := kept[0]
			if rec.Answer.Status != tc.wantStatus || rec.Forward == nil || rec.Forward.Status != tc.wantApp {
				t.Errorf("kept answer %+v, forward %+v", rec.Answer, rec.Forward)
			}
			if (tc.wantKind != "") != (rec.Forward != nil && rec.Forward.Error != "") {
				t.Errorf("kept forward error %q", rec.Forward.Error)
			}
			if string(bodyOf(t, rec)) != `{"a":1}` {
				t.Errorf("kept body %q", bodyOf(t, rec))
			}
		})
	}
}

// TestFaultForwardHangDoesNotHoldUpOthers holds a few forwards at an app
// that answers them only when told, and sends many other deliveries
// meanwhile: each of those must be answered while the others are still
// held (no timing threshold: a hold-up shows as the others not finishing
// before the release). Every delivery is kept once.
func TestFaultForwardHangDoesNotHoldUpOthers(t *testing.T) {
	const hanging, others = 4, 32
	var inHang sync.WaitGroup
	inHang.Add(hanging)
	release := make(chan struct{})
	var releaseOnce sync.Once
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			inHang.Done()
			select {
			case <-r.Context().Done():
				return
			case <-release:
			}
			answering(200, "application/json", `{"released":true}`)(w, r)
			return
		}
		answering(200, "application/json", `{"ok":true}`)(w, r)
	})
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // before the app closes
	w, path := newWriter(t)
	h := serve(t, Options{Store: w, EventPath: "event", Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(20*time.Second), nil)})
	c := &http.Client{Timeout: 20 * time.Second}
	post := func(target string, i int) (int, error) {
		resp, err := c.Post(h.srv.URL+target, "application/json", bytes.NewReader([]byte(fmt.Sprintf(`{"event":"e","i":%d}`, i))))
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	var hungDone atomic.Int64
	var wg sync.WaitGroup
	hungStatus := make([]int, hanging)
	for i := 0; i < hanging; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer hungDone.Add(1)
			s, err := post("/hang", i)
			if err != nil {
				t.Error(err)
			}
			hungStatus[i] = s
		}()
	}
	inHang.Wait() // every held forward has reached the app
	start := time.Now()
	othersDone := make(chan struct{})
	var owg sync.WaitGroup
	for i := 0; i < others; i++ {
		owg.Add(1)
		go func() {
			defer owg.Done()
			s, err := post("/fast", hanging+i)
			if err != nil || s != 200 {
				t.Errorf("delivery to /fast: %d, %v", s, err)
			}
		}()
	}
	go func() { owg.Wait(); close(othersDone) }()
	select {
	case <-othersDone:
		t.Logf("%d deliveries answered in %s while %d forwards were held", others, time.Since(start), hanging)
	case <-time.After(10 * time.Second):
		t.Errorf("the other deliveries were not answered within 10s while %d forwards were held: held up", hanging)
	}
	if n := hungDone.Load(); n != 0 {
		t.Errorf("%d held deliveries were answered before the release", n)
	}
	releaseOnce.Do(func() { close(release) })
	wg.Wait()
	<-othersDone
	for i, s := range hungStatus {
		if s != http.StatusOK {
			t.Errorf("held delivery %d got %d after the release, want the app's 200", i, s)
		}
	}
	ds := h.deliveries()
	if len(ds) != hanging+others {
		t.Fatalf("%d deliveries reported, want %d", len(ds), hanging+others)
	}
	w.Close()
	kept := readCapture(t, path)
	seen := map[string]int{}
	for _, r := range kept {
		seen[string(bodyOf(t, r))]++
		if r.Answer.Status != 200 || r.Forward == nil || r.Forward.Status != 200 {
			t.Errorf("kept answer %+v, forward %+v", r.Answer, r.Forward)
		}
	}
	if len(kept) != hanging+others || len(seen) != hanging+others {
		t.Fatalf("%d records kept, %d distinct; want %d", len(kept), len(seen), hanging+others)
	}
}

// flakyStore fails every other append.
type flakyStore struct {
	memStore
	n atomic.Int64
}

var errFlaky = errors.New("disk full (flaky)")

func (s *flakyStore) Append(r *capture.Record) error {
	if s.n.Add(1)%2 == 0 {
		return errFlaky
	}
	return s.memStore.Append(r)
}

// TestFaultStoreFailsForSome sends deliveries at once to a store that
// fails every other write: each one is answered 2xx exactly when it was
// kept, and 503 otherwise.
func TestFaultStoreFailsForSome(t *testing.T) {
	const n = 100
	store := &flakyStore{}
	h := serve(t, Options{Store: store})
	c := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	acked := map[string]bool{}
	refused := 0
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"i":%d}`, i)
			resp, err := c.Post(h.srv.URL+"/in", "application/json", bytes.NewReader([]byte(body)))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			switch resp.StatusCode {
			case 200:
				acked[body] = true
			case 503:
				refused++
			default:
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	ds := h.deliveries()
	saveErrs := 0
	for _, d := range ds {
		if d.SaveErr != nil {
			saveErrs++
			if !errors.Is(d.SaveErr, errFlaky) || d.Record.Answer.Status != 503 {
				t.Errorf("SaveErr %v with answer %d", d.SaveErr, d.Record.Answer.Status)
			}
		}
	}
	kept := store.records(t)
	if len(acked) != n/2 || refused != n/2 || saveErrs != n/2 || len(kept) != n/2 {
		t.Fatalf("acked %d, refused %d, save errors %d, kept %d; want %d each", len(acked), refused, saveErrs, len(kept), n/2)
	}
	for _, r := range kept {
		if b := string(bodyOf(t, r)); !acked[b] {
			t.Errorf("kept %s, which was not acknowledged", b)
		}
	}
}

// TestFaultDiskFullGroupCommit sends deliveries at once to a real capture
// writer on /dev/full: whichever batch a record was written in, none is
// answered 2xx.
func TestFaultDiskFullGroupCommit(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	w, err := capture.Create("/dev/full", false)
	if err != nil {
		t.Skipf("cannot open /dev/full: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	const n = 64
	h := serve(t, Options{Store: w})
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	var wg sync.WaitGroup
	var ok, unavailable atomic.Int64
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Post(h.srv.URL+"/in", "application/json", bytes.NewReader([]byte(fmt.Sprintf(`{"i":%d}`, i))))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case 503:
				unavailable.Add(1)
			default:
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 0 || unavailable.Load() != n {
		t.Fatalf("%d answered other than 503, %d answered 503; want 0 and %d", ok.Load(), unavailable.Load(), n)
	}
	for _, d := range h.deliveries() {
		if d.SaveErr == nil {
			t.Fatalf("a delivery without SaveErr: %+v", d.Record.Answer)
		}
	}
}
