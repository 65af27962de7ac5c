package main

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// bankApp is the kind of app the README's CI job is written for: a small
// Aella receiver that keeps a balance per account. It verifies
// X-Aella-Signature (hex HMAC-SHA512 of the raw body, as the aella profile
// signs) with crypto/hmac, applies each event once (a repeat of an event it
// has processed, by event name and id, is acknowledged and ignored), and
// answers 2xx only once the event is applied.
//
//	POST /webhooks   a delivery: 401 on a bad signature, 400 on a body that
//	                 is not an Aella event, 500 when the app fails, else 200
//	GET  /balance    {"balance": SUM, "accounts": {"ACCOUNT": BALANCE, ...},
//	                 "processed": N}
//	POST /test/reset forget every balance and every event processed (the
//	                 README's job resets the app between its two runs)
//
// transfer.completed debits data.senderAccountNumber by data.amount,
// inwards.completed credits data.receiverAccountNumber, and
// mandate.debit.successful credits "mandate:"+data.mandate.id with
// data.transaction.amount; every other event is only recorded as processed.
//
// bug makes it wrong the way a newcomer's app was (issue 14); the README's
// CI job must fail on each of these:
//
//	double-charge  no repeat check: each redelivery moves the balance again
//	reserialize    verifies the signature over the body decoded and encoded
//	               again (compact, keys sorted) instead of the bytes received,
//	               so every delivery of a pretty-printed body gets 401
//	always-500     its mandate.debit.failed handler fails on every attempt
//	               (500), so no retry helps
//	race           checks "seen?", then inserts after a database round trip,
//	               so repeats that arrive together all pass the check and
//	               all move the balance
//
// and on this one it must pass, as a provider's retry rescues it:
//
//	first-500      the first delivery after start fails (500: the database
//	               connection is opened lazily and times out once), later
//	               ones, its retry included, succeed
type bankApp struct {
	secret []byte
	bug    string
	// dbRoundTrip is the wait between the race bug's check and its insert:
	// a database round trip, 200ms so that repeats sent together overlap
	// every time. Tests replace it with a barrier.
	dbRoundTrip func()

	mu        sync.Mutex
	warm      bool
	seen      map[string]bool
	accounts  map[string]float64
	processed int
}

// newBankApp makes the app; bug is "none" for the fixed one.
func newBankApp(secret []byte, bug string) (*bankApp, error) {
	switch bug {
	case "none", "double-charge", "reserialize", "always-500", "race", "first-500":
	default:
		return nil, fmt.Errorf("unknown -bug %q (none, double-charge, reserialize, always-500, race or first-500)", bug)
	}
	if len(secret) == 0 {
		return nil, errors.New("no secret: set HOOKTOOL_SECRET or give -secret")
	}
	return &bankApp{secret: secret, bug: bug, dbRoundTrip: func() { time.Sleep(200 * time.Millisecond) },
		seen: map[string]bool{}, accounts: map[string]float64{}}, nil
}

func (a *bankApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/webhooks":
		a.webhook(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/balance":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a.balance())
	case r.Method == http.MethodPost && r.URL.Path == "/test/reset":
		a.mu.Lock()
		a.seen, a.accounts, a.processed = map[string]bool{}, map[string]float64{}, 0
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "no route for "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

type bankBalance struct {
	Balance   float64            `json:"balance"`
	Accounts  map[string]float64 `json:"accounts"`
	Processed int                `json:"processed"`
}

func (a *bankApp) balance() bankBalance {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := bankBalance{Accounts: map[string]float64{}, Processed: a.processed}
	for k, v := range a.accounts {
		b.Accounts[k] = v
		b.Balance += v
	}
	return b
}

// aellaEvent is the part of Aella's envelope the app reads.
type aellaEvent struct {
	Event string `json:"event"`
	Data  struct {
		ID                    string  `json:"id"`
		Amount                float64 `json:"amount"`
		SenderAccountNumber   string  `json:"senderAccountNumber"`
		ReceiverAccountNumber string  `json:"receiverAccountNumber"`
		Mandate               struct {
			ID string `json:"id"`
		} `json:"mandate"`
		Transaction struct {
			ID     string  `json:"id"`
			Amount float64 `json:"amount"`
		} `json:"transaction"`
	} `json:"data"`
}

func (a *bankApp) webhook(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if a.bug == "first-500" {
		a.mu.Lock()
		cold := !a.warm
		a.warm = true
		a.mu.Unlock()
		if cold {
			http.Error(w, "database: connection timed out", http.StatusInternalServerError)
			return
		}
	}
	signed := raw
	if a.bug == "reserialize" {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			signed, _ = json.Marshal(v)
		}
	}
	mac := hmac.New(sha512.New, a.secret)
	mac.Write(signed)
	got, err := hex.DecodeString(r.Header.Get("X-Aella-Signature"))
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var ev aellaEvent
	if err := json.Unmarshal(raw, &ev); err != nil || ev.Event == "" {
		http.Error(w, "not an Aella event", http.StatusBadRequest)
		return
	}
	if a.bug == "always-500" && ev.Event == "mandate.debit.failed" {
		http.Error(w, "handling mandate.debit.failed: no handler for a failed debit", http.StatusInternalServerError)
		return
	}
	key := ev.Event + "/" + cmp.Or(ev.Data.Transaction.ID, ev.Data.Mandate.ID, ev.Data.ID)
	switch a.bug {
	case "double-charge":
	case "race":
		a.mu.Lock()
		seen := a.seen[key]
		a.mu.Unlock()
		if seen {
			fmt.Fprintln(w, `{"duplicate":true}`)
			return
		}
		a.dbRoundTrip()
		a.mu.Lock()
		a.seen[key] = true
		a.mu.Unlock()
	default:
		a.mu.Lock()
		seen := a.seen[key]
		a.seen[key] = true // check and insert at once, as INSERT ... ON CONFLICT DO NOTHING
		a.mu.Unlock()
		if seen {
			fmt.Fprintln(w, `{"duplicate":true}`)
			return
		}
	}
	a.mu.Lock()
	switch ev.Event {
	case "transfer.completed":
		a.accounts[ev.Data.SenderAccountNumber] -= ev.Data.Amount
	case "inwards.completed":
		a.accounts[ev.Data.ReceiverAccountNumber] += ev.Data.Amount
	case "mandate.debit.successful":
		a.accounts["mandate:"+ev.Data.Mandate.ID] += ev.Data.Transaction.Amount
	}
	a.processed++
	a.mu.Unlock()
	fmt.Fprintln(w, `{"processed":true}`)
}

// cmdBankApp runs bankApp for specs, and the README's CI job against it:
//
//	bankapp start NAME [-bug BUG] [-secret S]
//	    serve bankApp (BUG one of none, double-charge, reserialize,
//	    always-500, race, first-500; default none) on 127.0.0.1 (a free
//	    port), signed with S (default $HOOKTOOL_SECRET), and set $NAME_URL
//	    (http://HOST:PORT) and $NAME_ADDR (HOST:PORT). It stops when the
//	    script ends.
//	bankapp balance NAME
//	    print its GET /balance answer.
//	[!] bankapp job NAME
//	    run the README's CI job (testdata/ci/webhooks-job.sh) against it in
//	    $WORK, with the script's environment; its stdout and stderr are
//	    kept for stdout and stderr. With !, the job must fail.
func cmdBankApp(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: bankapp start NAME [-bug BUG] [-secret S] | balance NAME | job NAME"
	if len(args) < 2 {
		ts.Fatalf(usage)
	}
	verb, name := args[0], args[1]
	if neg && verb != "job" {
		ts.Fatalf("bankapp %s does not take !", verb)
	}
	env := strings.ToUpper(name)
	addr := ts.Getenv(env + "_ADDR")
	if verb != "start" && addr == "" {
		ts.Fatalf("bankapp %s: no app %s (bankapp start %s first)", verb, name, name)
	}
	switch verb {
	case "start":
		bug, secret := "none", ts.Getenv("HOOKTOOL_SECRET")
		for rest := args[2:]; len(rest) > 0; rest = rest[2:] {
			if len(rest) < 2 || (rest[0] != "-bug" && rest[0] != "-secret") {
				ts.Fatalf(usage)
			}
			if rest[0] == "-bug" {
				bug = rest[1]
			} else {
				secret = rest[1]
			}
		}
		app, err := newBankApp([]byte(secret), bug)
		ts.Check(err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		srv := &http.Server{Handler: app, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		ts.Defer(func() { srv.Close() })
		ts.Setenv(env+"_ADDR", ln.Addr().String())
		ts.Setenv(env+"_URL", "http://"+ln.Addr().String())
	case "balance":
		resp, err := http.Get("http://" + addr + "/balance")
		ts.Check(err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%s", body)
	case "job":
		script, err := filepath.Abs(filepath.FromSlash(ciJobScript))
		ts.Check(err)
		err = ts.Exec("bash", script, addr)
		if err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				ts.Fatalf("bankapp job: %v", err)
			}
			ts.Logf("the job exited with %d", ee.ExitCode())
		}
		if (err != nil) != neg {
			if neg {
				ts.Fatalf("the job passed against bankapp %s; want it to fail", name)
			}
			ts.Fatalf("the job failed against bankapp %s: %v", name, err)
		}
	default:
		ts.Fatalf(usage)
	}
}

// ciJobScript is the README's CI job as a script, from this package's
// directory (where go test runs).
const ciJobScript = "../../testdata/ci/webhooks-job.sh"
