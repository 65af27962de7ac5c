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
	app, err := newBankApp([]byte(bankSecret), bug)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// deliver posts body to /webhooks signed with sig and returns the status.
func (a *bankApp) deliver(body, sig string) int {
	req := httptest.NewRequest(http.MethodPost, "/webhooks", strings.NewReader(body))
	req.Header.Set("X-Aella-Signature", sig)
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	return rec.Code
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
	if _, err := newBankApp([]byte(bankSecret), "typo"); err == nil {
		t.Error("an unknown -bug was accepted")
	}
}
