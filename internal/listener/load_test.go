package listener

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestThousandsOfConcurrentDeliveriesEachKeptOnce sends a few thousand
// deliveries over loopback from many connections and finds every one that
// was answered 2xx in the capture file exactly once, byte-exact.
func TestThousandsOfConcurrentDeliveriesEachKeptOnce(t *testing.T) {
	const n, workers = 3000, 32
	path := filepath.Join(t.TempDir(), "load.jsonl")
	store, err := capture.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mustNew(t, Options{Store: store, EventPath: "event", MaxBody: 1 << 20}))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	bodyOf := func(i int) []byte { return []byte(fmt.Sprintf(`{"event":"load.test","n":%d,"pad":"%0200d"}`, i, i)) }

	jobs := make(chan int)
	var mu sync.Mutex
	acked := map[int]bool{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				resp, err := client.Post(srv.URL+"/hook", "application/json", bytes.NewReader(bodyOf(i)))
				if err != nil {
					t.Error(err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked[i] = true
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	srv.Close()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if len(acked) != n {
		t.Fatalf("%d of %d deliveries acknowledged", len(acked), n)
	}
	seen := map[string]int{}
	err = capture.ReadFile(path, capture.ReadOptions{}, func(r *capture.Record, _ int) error {
		b, err := r.Bytes()
		if err != nil {
			return err
		}
		seen[string(b)]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range acked {
		if c := seen[string(bodyOf(i))]; c != 1 {
			t.Fatalf("delivery %d is in the file %d times", i, c)
		}
	}
	if len(seen) != n {
		t.Fatalf("the file holds %d distinct deliveries, want %d", len(seen), n)
	}
}

// TestBodyCutShortIsNotKept sends fewer bytes than Content-Length declares
// and hangs up: nothing may be kept as if it were whole.
func TestBodyCutShortIsNotKept(t *testing.T) {
	store := &memStore{}
	var refused []string
	var mu sync.Mutex
	srv := httptest.NewServer(mustNew(t, Options{Store: store, OnDelivery: func(d Delivery) {
		mu.Lock()
		refused = append(refused, d.Refused)
		mu.Unlock()
	}}))
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"partial\":")
	conn.(*net.TCPConn).CloseWrite()
	io.Copy(io.Discard, conn)
	conn.Close()
	srv.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(refused) != 1 || !strings.Contains(refused[0], "cut short") {
		t.Fatalf("deliveries %q, want one refused as cut short", refused)
	}
	if n := len(store.lines); n != 0 {
		t.Fatalf("%d records kept from a cut-short body", n)
	}
}

// TestSecretValuedHeadersAreRedactedInTheRecord: Flutterwave's verif-hash is
// the secret itself; the record keeps "[redacted]" and names the header,
// while verification and forwarding use the real value.
func TestSecretValuedHeadersAreRedactedInTheRecord(t *testing.T) {
	s, _ := signature.Lookup("flutterwave", signature.Options{})
	secret := signature.NewSecret("fw-SECRET-123")
	var appGot string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { appGot = r.Header.Get("verif-hash") }))
	defer app.Close()
	store := &memStore{}
	var got *capture.Record
	h := mustNew(t, Options{Scheme: s, Secrets: []signature.Secret{secret}, Store: store,
		Forward:    forwarder(t, app.URL, httpx.PathReplace, delivery.New(delivery.Options{}), nil),
		OnDelivery: func(d Delivery) { got = d.Record }})
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/hook", strings.NewReader(`{"a":1}`))
	req.Header.Set("verif-hash", "fw-SECRET-123")
	req.Header.Set("X-Note", "prefix fw-SECRET-123 suffix")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got == nil || got.Verdict == nil || !got.Verdict.Valid {
		t.Fatalf("verdict %+v", got)
	}
	if got.Headers.Get("Verif-Hash") != "[redacted]" || got.Headers.Get("X-Note") != "prefix [redacted] suffix" ||
		strings.Join(got.Redacted, ",") != "Verif-Hash,X-Note" {
		t.Errorf("record headers %v, redacted %v", got.Headers, got.Redacted)
	}
	for _, line := range store.lines {
		if bytes.Contains(line, []byte("fw-SECRET-123")) {
			t.Fatalf("the kept record holds the secret: %s", line)
		}
	}
	if appGot != "fw-SECRET-123" {
		t.Errorf("the app got verif-hash %q, want the real one", appGot)
	}
}
