package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tidwall/gjson"
)

// bank is an app under test inside the test process: it books Aella
// transfers against a balance, as a merchant's webhook handler would, and
// has the bugs a newcomer's handler has, one switch each:
//
//	bank start NAME [-bug double-charge] [-fail-first N] [-volatile]
//	    listen on 127.0.0.1 (a free port) and set $NAME_URL.
//	    POST (any path but /reset): a transfer.completed event debits
//	    data.amount from the balance once per data.id, and answers 200.
//	    -bug double-charge: every delivery debits, redeliveries too.
//	    -fail-first N: the first N deliveries of each data.id answer 500
//	    and book nothing (an app that fails, then recovers).
//	    GET /balance answers {"balance": B, "transfers": T}; with
//	    -volatile it also carries "served": how many GETs it answered (a
//	    value that changes on every read, as a timestamp would).
//	    POST /reset forgets every transfer (204).
//	bank count NAME N
//	    assert NAME has received exactly N webhook deliveries (POSTs but
//	    /reset), failed ones included.
//	bank resets NAME N
//	    assert NAME was reset exactly N times.
//
// Banks are stopped when the script ends.
type bank struct {
	doubleCharge bool
	failFirst    int
	volatile     bool
	srv          *http.Server

	mu         sync.Mutex
	balance    int64
	transfers  int
	booked     map[string]bool
	attempts   map[string]int
	deliveries int
	resets     int
	served     int
}

var banks = struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]map[string]*bank
}{m: map[*testscript.TestScript]map[string]*bank{}}

func cmdBank(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: bank start NAME [-bug double-charge] [-fail-first N] [-volatile] | count NAME N | resets NAME N"
	if neg || len(args) < 2 {
		ts.Fatalf(usage)
	}
	banks.mu.Lock()
	byName := banks.m[ts]
	if byName == nil {
		byName = map[string]*bank{}
		banks.m[ts] = byName
	}
	banks.mu.Unlock()
	verb, name := args[0], args[1]
	if verb != "start" && byName[name] == nil {
		ts.Fatalf("bank %s: no bank %s (bank start %s first)", verb, name, name)
	}
	switch verb {
	case "start":
		if byName[name] != nil {
			ts.Fatalf("bank %s is already running", name)
		}
		b := &bank{booked: map[string]bool{}, attempts: map[string]int{}}
		for rest := args[2:]; len(rest) > 0; {
			switch {
			case rest[0] == "-volatile":
				b.volatile, rest = true, rest[1:]
			case rest[0] == "-bug" && len(rest) > 1 && rest[1] == "double-charge":
				b.doubleCharge, rest = true, rest[2:]
			case rest[0] == "-fail-first" && len(rest) > 1:
				n, err := strconv.Atoi(rest[1])
				ts.Check(err)
				b.failFirst, rest = n, rest[2:]
			default:
				ts.Fatalf("bank start: unknown option %q\n%s", rest[0], usage)
			}
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 5 * time.Second}
		go b.srv.Serve(ln)
		byName[name] = b
		ts.Setenv(strings.ToUpper(name)+"_URL", "http://"+ln.Addr().String())
		ts.Defer(func() { b.srv.Close() })
	case "count", "resets":
		if len(args) != 3 {
			ts.Fatalf(usage)
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		b := byName[name]
		b.mu.Lock()
		got := map[string]int{"count": b.deliveries, "resets": b.resets}[verb]
		b.mu.Unlock()
		if got != want {
			ts.Fatalf("bank %s: %s is %d, want %d", name, verb, got, want)
		}
	default:
		ts.Fatalf(usage)
	}
}

func (b *bank) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/balance":
		b.served++
		state := map[string]any{"balance": b.balance, "transfers": b.transfers}
		if b.volatile {
			state["served"] = b.served
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(state)
	case r.Method == http.MethodPost && r.URL.Path == "/reset":
		b.balance, b.transfers, b.booked, b.attempts = 0, 0, map[string]bool{}, map[string]int{}
		b.resets++
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost:
		body, err := io.ReadAll(r.Body)
		if err != nil || !gjson.ValidBytes(body) {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		b.deliveries++
		if gjson.GetBytes(body, "event").String() != "transfer.completed" {
			w.WriteHeader(http.StatusOK)
			return
		}
		id := gjson.GetBytes(body, "data.id").String()
		if b.attempts[id]++; b.attempts[id] <= b.failFirst {
			http.Error(w, `{"error":"database not ready"}`, http.StatusInternalServerError)
			return
		}
		if !b.booked[id] || b.doubleCharge {
			b.booked[id] = true
			b.balance -= gjson.GetBytes(body, "data.amount").Int()
			b.transfers++
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	default:
		http.NotFound(w, r)
	}
}
