package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tidwall/gjson"
)

// ledger is a webhook receiver inside the test process that keeps books,
// the way an application's payment handler would, so specs can tell an
// idempotent receiver from one that double-counts redeliveries:
//
//	ledger start NAME [-idempotent] [-hold D] [-status CODE]
//	    listen on 127.0.0.1 (a free port) and set $NAME_URL. Each POST is
//	    kept as $WORK/NAME/<n>.body (exact bytes) and <n>.headers (its
//	    identity and signature headers: Webhook-Id, Webhook-Timestamp,
//	    Webhook-Signature, Stripe-Signature, X-Webhook-Signature, and any
//	    other whose name holds "signature" or starts with "Webhook-" or
//	    "Svix-", or is Verif-Hash; one "Name: value" a line, sorted by
//	    name), and held D (default 50ms) before the answer CODE (default
//	    200), so that raced deliveries overlap observably.
//	    A payment.success event credits data.amount to the balance of
//	    data.transaction_id; with -idempotent a transaction_id already
//	    credited is ignored, without it every delivery is credited again.
//	    GET $NAME_URL/ledger answers
//	    {"credits": N, "balance": TOTAL, "deliveries": M,
//	     "distinct_bodies": K, "by_event": {"EVENT": COUNT, ...},
//	     "max_inflight": I, "balances": {"TXID": AMOUNT, ...}}.
//	ledger show NAME
//	    print that JSON (for stdout assertions).
//	ledger count NAME N
//	    assert NAME has received exactly N deliveries.
//	ledger maxinflight NAME [OP] N
//	    assert the largest number of deliveries in flight at once compares
//	    OP (>=, the default, ==, <=, >, <) with N.
//	ledger stop NAME
//
// Ledgers left running are stopped when the script ends.
type ledger struct {
	dir        string
	idempotent bool
	hold       time.Duration
	status     int
	srv        *http.Server
	ln         net.Listener

	mu          sync.Mutex
	n           int
	credits     int
	balance     float64
	balances    map[string]float64
	byEvent     map[string]int
	bodies      map[[32]byte]int
	inflight    int
	maxInflight int
}

var ledgers = struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]map[string]*ledger
}{m: map[*testscript.TestScript]map[string]*ledger{}}

func cmdLedger(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: ledger start NAME [-idempotent] [-hold D] [-status CODE] | show NAME | count NAME N | maxinflight NAME [OP] N | stop NAME"
	if len(args) < 2 {
		ts.Fatalf(usage)
	}
	ledgers.mu.Lock()
	byName := ledgers.m[ts]
	if byName == nil {
		byName = map[string]*ledger{}
		ledgers.m[ts] = byName
	}
	ledgers.mu.Unlock()
	verb, name := args[0], args[1]
	if verb != "start" && verb != "stop" && byName[name] == nil {
		ts.Fatalf("ledger %s: no ledger %s (ledger start %s first)", verb, name, name)
	}
	if neg && (verb == "start" || verb == "stop" || verb == "show") {
		ts.Fatalf("ledger %s does not take !", verb)
	}
	switch verb {
	case "start":
		if byName[name] != nil {
			ts.Fatalf("ledger %s is already running", name)
		}
		l := &ledger{dir: ts.MkAbs(name), hold: 50 * time.Millisecond, status: 200,
			balances: map[string]float64{}, byEvent: map[string]int{}, bodies: map[[32]byte]int{}}
		for rest := args[2:]; len(rest) > 0; {
			var err error
			switch rest[0] {
			case "-idempotent":
				l.idempotent, rest = true, rest[1:]
				continue
			case "-hold", "-status":
				if len(rest) < 2 {
					ts.Fatalf("ledger start: %s needs a value", rest[0])
				}
				if rest[0] == "-hold" {
					l.hold, err = time.ParseDuration(rest[1])
				} else {
					l.status, err = strconv.Atoi(rest[1])
				}
				rest = rest[2:]
			default:
				ts.Fatalf("ledger start: unknown option %s", rest[0])
			}
			ts.Check(err)
		}
		ts.Check(os.MkdirAll(l.dir, 0o755))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		l.ln = ln
		l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 5 * time.Second}
		go l.srv.Serve(ln)
		byName[name] = l
		ts.Setenv(strings.ToUpper(name)+"_URL", "http://"+ln.Addr().String())
		ts.Defer(l.close)
	case "show":
		out, err := json.Marshal(byName[name].state())
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "%s\n", out)
	case "count":
		if len(args) != 3 {
			ts.Fatalf("usage: ledger count NAME N")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		got := byName[name].state().Deliveries
		if (got == want) == neg {
			ts.Fatalf("ledger %s got %d deliveries, want %s%d", name, got, map[bool]string{true: "not "}[neg], want)
		}
	case "maxinflight":
		op, num := ">=", ""
		switch len(args) {
		case 3:
			num = args[2]
		case 4:
			op, num = args[2], args[3]
		default:
			ts.Fatalf("usage: ledger maxinflight NAME [OP] N")
		}
		want, err := strconv.Atoi(num)
		ts.Check(err)
		got := byName[name].state().MaxInflight
		var holds bool
		switch op {
		case ">=":
			holds = got >= want
		case "==":
			holds = got == want
		case "<=":
			holds = got <= want
		case ">":
			holds = got > want
		case "<":
			holds = got < want
		default:
			ts.Fatalf("ledger maxinflight: unknown operator %q", op)
		}
		if holds == neg {
			ts.Fatalf("ledger %s: at most %d deliveries were in flight at once; want %s%s %d", name, got, map[bool]string{true: "not "}[neg], op, want)
		}
	case "stop":
		if l := byName[name]; l != nil {
			l.close()
			delete(byName, name)
		}
	default:
		ts.Fatalf(usage)
	}
}

func (l *ledger) close() {
	l.ln.Close()
	l.srv.Close()
}

type ledgerState struct {
	Credits        int                `json:"credits"`
	Balance        float64            `json:"balance"`
	Deliveries     int                `json:"deliveries"`
	DistinctBodies int                `json:"distinct_bodies"`
	ByEvent        map[string]int     `json:"by_event"`
	MaxInflight    int                `json:"max_inflight"`
	Balances       map[string]float64 `json:"balances"`
}

func (l *ledger) state() ledgerState {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := ledgerState{Credits: l.credits, Balance: l.balance, Deliveries: l.n, DistinctBodies: len(l.bodies),
		ByEvent: map[string]int{}, MaxInflight: l.maxInflight, Balances: map[string]float64{}}
	for k, v := range l.byEvent {
		s.ByEvent[k] = v
	}
	for k, v := range l.balances {
		s.Balances[k] = v
	}
	return s
}

// keptHeader reports whether a header goes in <n>.headers.
func keptHeader(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "webhook-") || strings.HasPrefix(n, "svix-") ||
		strings.Contains(n, "signature") || n == "verif-hash"
}

func (l *ledger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/ledger" {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(l.state())
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	l.mu.Lock()
	l.inflight++
	if l.inflight > l.maxInflight {
		l.maxInflight = l.inflight
	}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.inflight--
		l.mu.Unlock()
	}()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !gjson.ValidBytes(body) {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	var names []string
	for k := range r.Header {
		if keptHeader(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var hdrs strings.Builder
	for _, k := range names {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&hdrs, "%s: %s\n", k, v)
		}
	}
	event := ""
	for _, path := range []string{"event", "type", "identifier", "eventType"} {
		if v := gjson.GetBytes(body, path); v.Type == gjson.String {
			event = v.String()
			break
		}
	}

	l.mu.Lock()
	l.n++
	n := l.n
	l.byEvent[event]++
	l.bodies[sha256.Sum256(body)]++
	if event == "payment.success" {
		tx := gjson.GetBytes(body, "data.transaction_id").String()
		amount := gjson.GetBytes(body, "data.amount").Float()
		if _, seen := l.balances[tx]; !seen || !l.idempotent {
			l.balances[tx] += amount
			l.balance += amount
			l.credits++
		}
	}
	l.mu.Unlock()

	base := filepath.Join(l.dir, strconv.Itoa(n))
	_ = os.WriteFile(base+".body", body, 0o644)
	_ = os.WriteFile(base+".headers", []byte(hdrs.String()), 0o644)
	time.Sleep(l.hold)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(l.status)
	fmt.Fprintf(w, `{"delivery":%d}`, n)
}
