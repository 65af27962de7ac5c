package main

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const bankSecret = "aella-test-secret"

// A transfer.completed as Aella sends it: pretty-printed, so that decoding
// and encoding it again gives other bytes.
const bankTransfer = `{
  "event": "transfer.completed",
  "timestamp": "2026-12-03T11:46:09.886Z",
  "data": {
    "id": "d4fd76bd-8d5d-42e0-b761-bf6252a06370",
    "status": "Success",
    "amount": 10000,
    "senderAccountNumber": "7321381101",
    "receiverAccountNumber": "8824666305"
  }
}
`

const bankDebitFailed = `{
  "event": "mandate.debit.failed",
  "data": {
    "mandate": {"id": "c253f861-1a08-45ec-957c-9c760bf32d21"},
    "transaction": {"id": "de90c877-d980-4594-97a4-941832407713", "amount": 200, "finalResponseCode": "51"}
  }
}
`

func aellaSign(body string) string {
	mac := hmac.New(sha512.New, []byte(bankSecret))
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

func startBank(t *testing.T, bug string) *bankApp {
	t.Helper()
	return startBankWith(t, bankOptions{Secret: []byte(bankSecret), Bug: bug})
}

func startBankWith(t *testing.T, o bankOptions) *bankApp {
	t.Helper()
	app, err := newBankApp(o)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// deliver posts body to /webhooks signed with sig and returns the status.
func (a *bankApp) deliver(body, sig string) int {
	code, _ := a.answer(body, sig)
	return code
}

// answer posts body to /webhooks signed with sig (none if "") and returns
// the status and the body of the answer.
func (a *bankApp) answer(body, sig string) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/webhooks", strings.NewReader(body))
	if sig != "" {
		req.Header.Set("X-Aella-Signature", sig)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// deliverTogether sends body n times at once and returns the statuses.
func (a *bankApp) deliverTogether(n int, body string) []int {
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { codes[i] = a.deliver(body, aellaSign(body)) })
	}
	wg.Wait()
	return codes
}

func (a *bankApp) get(t *testing.T) bankBalance {
	t.Helper()
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/balance", nil))
	var b bankBalance
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("GET /balance: %v: %s", err, rec.Body)
	}
	return b
}

func wantBalance(t *testing.T, a *bankApp, balance float64, processed int) {
	t.Helper()
	if b := a.get(t); b.Balance != balance || b.Processed != processed {
		t.Fatalf("balance %v after %d processed; want %v after %d", b.Balance, b.Processed, balance, processed)
	}
}

// TestBankAppFixed: the fixed app applies each event once, however its
// repeats come, refuses a bad signature, and forgets everything on reset.
func TestBankAppFixed(t *testing.T) {
	app := startBank(t, "none")
	for range 2 {
		if code := app.deliver(bankTransfer, aellaSign(bankTransfer)); code != 200 {
			t.Fatalf("a signed transfer got %d", code)
		}
	}
	wantBalance(t, app, -10000, 1)
	if code := app.deliver(bankTransfer, aellaSign(bankTransfer+" ")); code != 401 {
		t.Fatalf("a bad signature got %d, want 401", code)
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/test/reset", nil))
	wantBalance(t, app, 0, 0)
	app.dbRoundTrip = func() { t.Error("the fixed app checks and inserts at once") }
	for _, code := range app.deliverTogether(3, bankTransfer) {
		if code != 200 {
			t.Fatalf("a repeat got %d", code)
		}
	}
	wantBalance(t, app, -10000, 1)
	if code := app.deliver(bankDebitFailed, aellaSign(bankDebitFailed)); code != 200 {
		t.Fatalf("mandate.debit.failed got %d", code)
	}
}

// TestBankAppBugs: each -bug is the real bug the CI job must catch.
func TestBankAppBugs(t *testing.T) {
	t.Run("double-charge", func(t *testing.T) {
		app := startBank(t, "double-charge")
		for range 3 {
			app.deliver(bankTransfer, aellaSign(bankTransfer))
		}
		wantBalance(t, app, -30000, 3)
	})
	t.Run("reserialize", func(t *testing.T) {
		app := startBank(t, "reserialize")
		if code := app.deliver(bankTransfer, aellaSign(bankTransfer)); code != 401 {
			t.Fatalf("the bytes Aella signed got %d, want 401", code)
		}
		var v any
		json.Unmarshal([]byte(bankTransfer), &v)
		compact, _ := json.Marshal(v)
		if code := app.deliver(bankTransfer, aellaSign(string(compact))); code != 200 {
			t.Fatalf("a signature over the re-encoded body got %d; the bug is that it passes", code)
		}
	})
	t.Run("always-500", func(t *testing.T) {
		app := startBank(t, "always-500")
		for range 3 {
			if code := app.deliver(bankDebitFailed, aellaSign(bankDebitFailed)); code != 500 {
				t.Fatalf("mandate.debit.failed got %d, want 500 on every attempt", code)
			}
		}
		if code := app.deliver(bankTransfer, aellaSign(bankTransfer)); code != 200 {
			t.Fatalf("transfer.completed got %d", code)
		}
	})
	t.Run("race", func(t *testing.T) {
		app := startBank(t, "race")
		// all three pass the check before any inserts, as they do when
		// they arrive within one database round trip
		var checked sync.WaitGroup
		checked.Add(3)
		app.dbRoundTrip = func() { checked.Done(); checked.Wait() }
		app.deliverTogether(3, bankTransfer)
		wantBalance(t, app, -30000, 3)
		// one after another, repeats are caught
		app.dbRoundTrip = func() {}
		app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/test/reset", nil))
		for range 3 {
			app.deliver(bankTransfer, aellaSign(bankTransfer))
		}
		wantBalance(t, app, -10000, 1)
	})
	t.Run("first-500", func(t *testing.T) {
		app := startBank(t, "first-500")
		if code := app.deliver(bankTransfer, aellaSign(bankTransfer)); code != 500 {
			t.Fatalf("the first attempt got %d, want 500", code)
		}
		wantBalance(t, app, 0, 0)
		if code := app.deliver(bankTransfer, aellaSign(bankTransfer)); code != 200 {
			t.Fatalf("the retry got %d, want 200", code)
		}
		wantBalance(t, app, -10000, 1)
	})
	if _, err := newBankApp(bankOptions{Secret: []byte(bankSecret), Bug: "typo"}); err == nil {
		t.Error("an unknown -bug was accepted")
	}
	if _, err := newBankApp(bankOptions{Bug: "none"}); err == nil {
		t.Error("an app with no secret was made without -unsigned")
	}
}

// TestBankAppAnswers: each answer says which attempt of its body it was,
// so a spec can see a retry reach the app; a reset forgets the attempts.
func TestBankAppAnswers(t *testing.T) {
	app := startBank(t, "none")
	for _, want := range []string{`{"attempt":1,"ok":true}`, `{"attempt":2,"ok":true,"duplicate":true}`} {
		if code, got := app.answer(bankTransfer, aellaSign(bankTransfer)); code != 200 || got != want {
			t.Fatalf("got %d %s, want 200 %s", code, got, want)
		}
	}
	if code, got := app.answer(bankTransfer, aellaSign("x")); code != 401 || got != `{"attempt":3,"ok":false}` {
		t.Fatalf("a bad signature got %d %s", code, got)
	}
	app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/test/reset", nil))
	if _, got := app.answer(bankTransfer, aellaSign(bankTransfer)); got != `{"attempt":1,"ok":true}` {
		t.Fatalf("after a reset: %s", got)
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/reset", nil))
	if rec.Code != 404 {
		t.Fatalf("POST /reset got %d, want 404 (the reset is /test/reset)", rec.Code)
	}
}

// TestBankAppSwitches: the switches specs of hooktool's own retries and
// probes use.
func TestBankAppSwitches(t *testing.T) {
	t.Run("fail-first", func(t *testing.T) {
		app := startBankWith(t, bankOptions{Secret: []byte(bankSecret), Bug: "none", FailFirst: 2})
		for _, body := range []string{bankTransfer, bankDebitFailed} {
			for i, want := range []int{500, 500, 200} {
				if code := app.deliver(body, aellaSign(body)); code != want {
					t.Fatalf("attempt %d got %d, want %d", i+1, code, want)
				}
			}
		}
		wantBalance(t, app, -10000, 2)
		if app.deliveries != 6 {
			t.Fatalf("%d deliveries counted, want 6", app.deliveries)
		}
	})
	t.Run("fail-all", func(t *testing.T) {
		app := startBankWith(t, bankOptions{Secret: []byte(bankSecret), Bug: "none", FailAll: true})
		for range 3 {
			if code, got := app.answer(bankTransfer, aellaSign(bankTransfer)); code != 500 || !strings.HasPrefix(got, `{"attempt":`) {
				t.Fatalf("got %d %s, want 500", code, got)
			}
		}
		wantBalance(t, app, 0, 0)
	})
	t.Run("unsigned", func(t *testing.T) {
		app := startBankWith(t, bankOptions{Bug: "none", Unsigned: true})
		if code := app.deliver(bankTransfer, ""); code != 200 {
			t.Fatalf("an unsigned delivery got %d", code)
		}
		if code := app.deliver(`{"no":"event"}`, ""); code != 400 {
			t.Fatalf("a body that is no Aella event got %d", code)
		}
		wantBalance(t, app, -10000, 1)
	})
	t.Run("volatile", func(t *testing.T) {
		app := startBankWith(t, bankOptions{Secret: []byte(bankSecret), Bug: "none", Volatile: true})
		if a, b := app.get(t), app.get(t); a.Served != 1 || b.Served != 2 {
			t.Fatalf("served %d then %d, want 1 then 2", a.Served, b.Served)
		}
		if startBank(t, "none").get(t).Served != 0 {
			t.Fatal("served is in the balance without -volatile")
		}
	})
}
