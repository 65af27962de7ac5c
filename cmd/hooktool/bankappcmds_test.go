package main

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// bankApp is the one app under test the specs run hooktool against: a small
// Aella receiver that keeps a balance per account, the kind of app the
// README's CI job is written for. It verifies X-Aella-Signature (hex
// HMAC-SHA512 of the raw body, as the aella profile signs) with
// crypto/hmac, applies each event once (a repeat of an event it has
// processed, by event name and id, is acknowledged and ignored), and
// answers 2xx only once the event is applied.
//
//	POST /webhooks   a delivery: 401 on a bad signature, 400 on a body that
//	                 is not an Aella event, 500 when the app fails, else 200.
//	                 The answer is {"attempt":N,"ok":BOOL} (N: how many
//	                 times these body bytes have reached it since the last
//	                 reset, so a retry shows as attempt 2), with
//	                 "duplicate":true for a repeat it ignored (the status
//	                 says why it failed: 401, 400 or 500).
//	GET  /balance    {"balance": SUM, "accounts": {"ACCOUNT": BALANCE, ...},
//	                 "processed": N}, and "served": how many GETs it has
//	                 answered when volatile (a value that changes on every
//	                 read, as a timestamp would)
//	POST /test/reset forget every balance, every event processed and every
//	                 attempt (the README's job resets the app between its
//	                 two runs); 204
//
// Anything else is 404. transfer.completed debits data.senderAccountNumber
// by data.amount, inwards.completed credits data.receiverAccountNumber,
// and mandate.debit.successful credits "mandate:"+data.mandate.id with
// data.transaction.amount; every other event is only recorded as
// processed.
//
// Bug makes it wrong the way a newcomer's app was (issue 14); the README's
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
//
// The other switches are for specs of hooktool's own retries and probes:
// FailFirst fails the first N attempts of each delivery (the same body
// bytes) with 500 before applying anything, FailAll fails every attempt,
// Volatile adds "served" to the balance, and Unsigned skips the signature
// check (for deliveries hooktool sends unsigned, or signed for another
// provider).
type bankApp struct {
	bankOptions
	// dbRoundTrip is the wait between the race bug's check and its insert:
	// a database round trip, 200ms so that repeats sent together overlap
	// every time. Tests replace it with a barrier.
	dbRoundTrip func()

	mu         sync.Mutex
	warm       bool
	seen       map[string]bool
	attempts   map[[sha256.Size]byte]int
	accounts   map[string]float64
	processed  int
	deliveries int // every POST /webhooks since start, failed ones included
	// arrived is closed (and replaced) at each POST /webhooks: bankapp
	// waitcount waits on it.
	arrived chan struct{}
	resets  int
	served  int
}

// bankOptions are bankapp start's switches.
type bankOptions struct {
	Secret    []byte
	Bug       string // "none" for the fixed app
	FailFirst int
	FailAll   bool
	Volatile  bool
	Unsigned  bool
}

// newBankApp makes the app.
func newBankApp(o bankOptions) (*bankApp, error) {
	switch o.Bug {
	case "none", "double-charge", "reserialize", "always-500", "race", "first-500":
	default:
		return nil, fmt.Errorf("unknown -bug %q (none, double-charge, reserialize, always-500, race or first-500)", o.Bug)
	}
	if len(o.Secret) == 0 && !o.Unsigned {
		return nil, errors.New("no secret: set HOOKTOOL_SECRET, give -secret, or -unsigned")
	}
	if o.FailFirst < 0 {
		return nil, fmt.Errorf("-fail-first %d: want 0 or more", o.FailFirst)
	}
	a := &bankApp{bankOptions: o, dbRoundTrip: func() { time.Sleep(200 * time.Millisecond) }, arrived: make(chan struct{})}
	a.forget()
	return a, nil
}

// forget is the reset; a.mu is held or a is new.
func (a *bankApp) forget() {
	a.seen, a.attempts, a.accounts, a.processed = map[string]bool{}, map[[sha256.Size]byte]int{}, map[string]float64{}, 0
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
		a.forget()
		a.resets++
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
	Served    int                `json:"served,omitempty"`
}

func (a *bankApp) balance() bankBalance {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.served++
	b := bankBalance{Accounts: map[string]float64{}, Processed: a.processed}
	if a.Volatile {
		b.Served = a.served
	}
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

// bankAnswer is the body of every answer to POST /webhooks.
type bankAnswer struct {
	Attempt   int  `json:"attempt"`
	OK        bool `json:"ok"`
	Duplicate bool `json:"duplicate,omitempty"`
}

func (a *bankApp) webhook(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	a.mu.Lock()
	a.deliveries++
	close(a.arrived)
	a.arrived = make(chan struct{})
	sum := sha256.Sum256(raw)
	a.attempts[sum]++
	ans := bankAnswer{Attempt: a.attempts[sum], OK: true}
	cold := !a.warm
	a.warm = true
	a.mu.Unlock()
	answer := func(status int) {
		ans.OK = status/100 == 2
		out, _ := json.Marshal(ans)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(out)
	}
	switch {
	case err != nil:
		answer(http.StatusBadRequest)
		return
	case a.FailAll || ans.Attempt <= a.FailFirst || a.Bug == "first-500" && cold:
		answer(http.StatusInternalServerError)
		return
	}
	if !a.Unsigned {
		signed := raw
		if a.Bug == "reserialize" {
			var v any
			if json.Unmarshal(raw, &v) == nil {
				signed, _ = json.Marshal(v)
			}
		}
		mac := hmac.New(sha512.New, a.Secret)
		mac.Write(signed)
		got, err := hex.DecodeString(r.Header.Get("X-Aella-Signature"))
		if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
			answer(http.StatusUnauthorized)
			return
		}
	}
	var ev aellaEvent
	if err := json.Unmarshal(raw, &ev); err != nil || ev.Event == "" {
		answer(http.StatusBadRequest)
		return
	}
	if a.Bug == "always-500" && ev.Event == "mandate.debit.failed" {
		answer(http.StatusInternalServerError)
		return
	}
	key := ev.Event + "/" + cmp.Or(ev.Data.Transaction.ID, ev.Data.Mandate.ID, ev.Data.ID)
	switch a.Bug {
	case "double-charge":
	case "race":
		a.mu.Lock()
		seen := a.seen[key]
		a.mu.Unlock()
		if seen {
			ans.Duplicate = true
			answer(http.StatusOK)
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
			ans.Duplicate = true
			answer(http.StatusOK)
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
	answer(http.StatusOK)
}

// cmdBankApp runs bankApp for specs, and the README's CI job against it:
//
//	bankapp start NAME [-bug BUG] [-secret S] [-unsigned] [-fail-first N]
//	                   [-fail-all] [-volatile]
//	    serve bankApp (BUG one of none, double-charge, reserialize,
//	    always-500, race, first-500; default none) on 127.0.0.1 (a free
//	    port), signed with S (default $HOOKTOOL_SECRET) unless -unsigned,
//	    and set $NAME_URL (http://HOST:PORT) and $NAME_ADDR (HOST:PORT).
//	    -fail-first N: the first N attempts of each delivery answer 500
//	    (an app that fails, then recovers); -fail-all: every attempt
//	    does; -volatile: GET /balance carries "served". It stops when the
//	    script ends.
//	bankapp balance NAME
//	    print its GET /balance answer.
//	bankapp count NAME N
//	    assert it was sent exactly N deliveries (POST /webhooks), failed
//	    ones included.
//	bankapp waitcount NAME N
//	    wait until it was sent at least N deliveries (30s at most).
//	bankapp resets NAME N
//	    assert it was reset (POST /test/reset) exactly N times.
//	[!] bankapp job NAME
//	    run the README's CI job (testdata/ci/webhooks-job.sh) against it in
//	    $WORK, with the script's environment; its stdout and stderr are
//	    kept for stdout and stderr. With !, the job must fail.
func cmdBankApp(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: bankapp start NAME [-bug BUG] [-secret S] [-unsigned] [-fail-first N] [-fail-all] [-volatile] | balance NAME | count NAME N | waitcount NAME N | resets NAME N | job NAME"
	if len(args) < 2 {
		ts.Fatalf(usage)
	}
	verb, name := args[0], args[1]
	if neg && verb != "job" {
		ts.Fatalf("bankapp %s does not take !", verb)
	}
	env := strings.ToUpper(name)
	bankApps.mu.Lock()
	byName := bankApps.m[ts]
	if byName == nil {
		byName = map[string]*bankApp{}
		bankApps.m[ts] = byName
		ts.Defer(func() {
			bankApps.mu.Lock()
			delete(bankApps.m, ts)
			bankApps.mu.Unlock()
		})
	}
	bankApps.mu.Unlock()
	app := byName[name]
	if verb != "start" && app == nil {
		ts.Fatalf("bankapp %s: no app %s (bankapp start %s first)", verb, name, name)
	}
	addr := ts.Getenv(env + "_ADDR")
	switch verb {
	case "start":
		if app != nil {
			ts.Fatalf("bankapp %s is already running", name)
		}
		o := bankOptions{Bug: "none", Secret: []byte(ts.Getenv("HOOKTOOL_SECRET"))}
		for rest := args[2:]; len(rest) > 0; {
			switch flag := rest[0]; {
			case flag == "-unsigned":
				o.Unsigned, rest = true, rest[1:]
			case flag == "-fail-all":
				o.FailAll, rest = true, rest[1:]
			case flag == "-volatile":
				o.Volatile, rest = true, rest[1:]
			case len(rest) > 1 && flag == "-bug":
				o.Bug, rest = rest[1], rest[2:]
			case len(rest) > 1 && flag == "-secret":
				o.Secret, rest = []byte(rest[1]), rest[2:]
			case len(rest) > 1 && flag == "-fail-first":
				n, err := strconv.Atoi(rest[1])
				ts.Check(err)
				o.FailFirst, rest = n, rest[2:]
			default:
				ts.Fatalf("bankapp start: %q?\n%s", flag, usage)
			}
		}
		app, err := newBankApp(o)
		ts.Check(err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		srv := &http.Server{Handler: app, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		ts.Defer(func() { srv.Close() })
		byName[name] = app
		ts.Setenv(env+"_ADDR", ln.Addr().String())
		ts.Setenv(env+"_URL", "http://"+ln.Addr().String())
	case "balance":
		resp, err := http.Get("http://" + addr + "/balance")
		ts.Check(err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%s", body)
	case "count", "resets":
		if len(args) != 3 {
			ts.Fatalf(usage)
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		app.mu.Lock()
		got := map[string]int{"count": app.deliveries, "resets": app.resets}[verb]
		app.mu.Unlock()
		if got != want {
			ts.Fatalf("bankapp %s: %s is %d, want %d", name, verb, got, want)
		}
	case "waitcount":
		if len(args) != 3 {
			ts.Fatalf(usage)
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		limit := time.NewTimer(30 * time.Second)
		defer limit.Stop()
		for {
			app.mu.Lock()
			got, arrived := app.deliveries, app.arrived
			app.mu.Unlock()
			if got >= want {
				break
			}
			select {
			case <-arrived:
			case <-limit.C:
				ts.Fatalf("bankapp %s: %d deliveries after 30s, want %d", name, got, want)
			}
		}
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

// bankApps are the apps each script started, by name.
var bankApps = struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]map[string]*bankApp
}{m: map[*testscript.TestScript]map[string]*bankApp{}}

// ciJobScript is the README's CI job as a script, from this package's
// directory (where go test runs).
const ciJobScript = "../../testdata/ci/webhooks-job.sh"
