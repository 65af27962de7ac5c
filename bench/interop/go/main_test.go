package interop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hooktoolBin is the binary built from the enclosing repository by TestMain.
var hooktoolBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hooktool-interop-go-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	hooktoolBin = filepath.Join(dir, "hooktool")
	build := exec.Command("go", "build", "-o", hooktoolBin, "./cmd/hooktool")
	build.Dir = filepath.Join("..", "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/hooktool: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	results.print(os.Stdout)
	os.RemoveAll(dir)
	os.Exit(code)
}

// A message as a receiver gets it: headers and body bytes.
type message struct {
	header map[string]string
	body   []byte
}

// hooktool runs the binary in an empty directory (no config file is read),
// the secrets in a 0600 file, one a line (the first signs, any verifies).
func hooktool(t *testing.T, secrets []string, body []byte, args ...string) (stdout string, code int) {
	t.Helper()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	payload := filepath.Join(dir, "body")
	if err := os.WriteFile(secretFile, []byte(strings.Join(secrets, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(payload, body, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(hooktoolBin, append(args, "--secret-file", secretFile, "--payload", payload)...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("hooktool %v: %v", args, err)
	}
	return out.String(), 0
}

// selector is the flags that choose the scheme: a scheme's name, or
// provider:ID for a catalog provider's profile.
func selector(scheme string) []string {
	if id, ok := strings.CutPrefix(scheme, "provider:"); ok {
		return []string{"--provider", id}
	}
	return []string{"--scheme", scheme}
}

// sign is `hooktool sign --format json`: the headers it prints.
func sign(t *testing.T, scheme string, secrets []string, body []byte, extra ...string) message {
	t.Helper()
	args := append(append([]string{"sign"}, selector(scheme)...), "--format", "json")
	out, code := hooktool(t, secrets, body, append(args, extra...)...)
	if code != 0 {
		t.Fatalf("hooktool sign --scheme %s: exit %d: %s", scheme, code, out)
	}
	var signed struct {
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal([]byte(out), &signed); err != nil {
		t.Fatalf("hooktool sign: %v: %s", err, out)
	}
	return message{header: signed.Headers, body: body}
}

// verdict is what `hooktool verify --json` answers: valid, or the reason.
func verify(t *testing.T, scheme string, secrets []string, m message, extra ...string) string {
	t.Helper()
	args := append(append([]string{"verify"}, selector(scheme)...), "--json")
	names := make([]string, 0, len(m.header))
	for name := range m.header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		args = append(args, "--header", name+": "+m.header[name])
	}
	out, code := hooktool(t, secrets, m.body, append(args, extra...)...)
	var v struct {
		Valid  bool   `json:"valid"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &v); err != nil || code == 2 {
		t.Fatalf("hooktool verify --scheme %s: exit %d: %v: %s", scheme, code, err, out)
	}
	if v.Valid != (code == 0) {
		t.Fatalf("hooktool verify: exit %d with valid=%v", code, v.Valid)
	}
	if v.Valid {
		return "valid"
	}
	return v.Reason
}

// The ledger of every case, printed by TestMain: one table per library.
type row struct {
	library, scheme, name string
	wantLib, gotLib       bool   // the library accepts
	wantOurs, gotOurs     string // hooktool's verdict: valid or a reason
}

func (r row) agrees() bool { return r.wantLib == r.gotLib && r.wantOurs == r.gotOurs }

type ledger struct {
	mu   sync.Mutex
	rows []row
}

var results ledger

func (l *ledger) add(r row) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows = append(l.rows, r)
}

func (l *ledger) print(w *os.File) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var libs []string
	agree, total := map[string]int{}, map[string]int{}
	for _, r := range l.rows {
		if total[r.library] == 0 {
			libs = append(libs, r.library)
		}
		total[r.library]++
		if r.agrees() {
			agree[r.library]++
		}
	}
	sort.Strings(libs)
	for _, lib := range libs {
		fmt.Fprintf(w, "\n| %s: case | library | hooktool | agree |\n|---|---|---|---|\n", lib)
		for _, r := range l.rows {
			if r.library != lib {
				continue
			}
			mark := "yes"
			if r.wantLib != (r.wantOurs == "valid") {
				mark = "as documented" // a difference the README states
			}
			if !r.agrees() {
				mark = fmt.Sprintf("NO (want library %s, hooktool %s)", accept(r.wantLib), r.wantOurs)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.name, accept(r.gotLib), r.gotOurs, mark)
		}
	}
	fmt.Fprintf(w, "\n| library | scheme | cases as expected / total |\n|---|---|---|\n")
	for _, lib := range libs {
		var scheme string
		for _, r := range l.rows {
			if r.library == lib {
				scheme = r.scheme
				break
			}
		}
		fmt.Fprintf(w, "| %s | %s | %d / %d |\n", lib, scheme, agree[lib], total[lib])
	}
}

func accept(ok bool) string {
	if ok {
		return "accept"
	}
	return "refuse"
}

// judge has both sides judge one message and records the row; a
// disagreement fails the test.
type judge struct {
	t               *testing.T
	library, scheme string
	lib             func(m message, secret string) error // nil: accepted
	extra           []string                             // flags for hooktool verify
}

func (j judge) check(name string, m message, secrets []string, wantOurs string) {
	j.t.Helper()
	j.checkApart(name, m, secrets[0], wantOurs == "valid", secrets, wantOurs)
}

// checkApart is check where the library is given another secret than
// hooktool (hooktool's rotation) or is expected to answer otherwise (a
// difference the README documents).
func (j judge) checkApart(name string, m message, libSecret string, wantLib bool, secrets []string, wantOurs string) {
	j.t.Helper()
	libErr := j.lib(m, libSecret)
	got := verify(j.t, j.scheme, secrets, m, j.extra...)
	r := row{library: j.library, scheme: j.scheme, name: name, wantLib: wantLib, gotLib: libErr == nil, wantOurs: wantOurs, gotOurs: got}
	results.add(r)
	if !r.agrees() {
		j.t.Errorf("%s: %s: library %s (%v), hooktool %s; want library %s, hooktool %s",
			j.library, name, accept(r.gotLib), libErr, got, accept(wantLib), wantOurs)
	}
}

// bodies every library is tried with.
func bodies() []struct {
	name string
	b    []byte
} {
	r := rand.New(rand.NewPCG(17, 17))
	random := make([]byte, 2048)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	return []struct {
		name string
		b    []byte
	}{
		{"json", []byte(`{"id":"evt_1","type":"payment_intent.succeeded","data":{"amount":5000}}`)},
		{"unicode", []byte(`{"name":"Zoë 🎉","note":"naïve café","amount":5000}`)},
		{"newlines", []byte("{\"a\":1,\n \"b\":[1,2]}\r\n")},
		{"form", []byte("token=abc&team_id=T1&text=h%C3%A9llo+world&payload=%7B%22a%22%3A1%7D")},
		{"64KiB", []byte(`{"pad":"` + strings.Repeat("abcdefgh", 8<<10) + `"}`)},
		{"random bytes", random},
	}
}

// tamper changes one byte in the middle of the body (or adds one).
func tamper(b []byte) []byte {
	out := bytes.Clone(b)
	if len(out) == 0 {
		return []byte("x")
	}
	out[len(out)/2] ^= 0x01
	return out
}

func unix(at time.Time) string { return strconv.FormatInt(at.Unix(), 10) }

// common runs the cases every library gets, for each body: hooktool signs
// and both accept; the library's side signs and both accept; that
// signature with the body tampered, or judged with another secret, is
// refused by both (signature_mismatch). For schemes with a timestamp: the
// library's side signs an hour ago (timestamp_too_old) and an hour ahead
// (ahead is what the scheme's library says: Stripe checks age only), and
// hooktool signs an hour ago (--timestamp), which the library refuses.
func common(j judge, secret, other string, libSign func(body []byte, at time.Time) message, timestamped bool, ahead string) {
	j.t.Helper()
	now := time.Now()
	for i, b := range bodies() {
		j.check(b.name+": hooktool signs", sign(j.t, j.scheme, []string{secret}, b.b), []string{secret}, "valid")
		theirs := libSign(b.b, now)
		j.check(b.name+": library signs", theirs, []string{secret}, "valid")
		j.check(b.name+": tampered body", message{header: theirs.header, body: tamper(b.b)}, []string{secret}, "signature_mismatch")
		j.check(b.name+": wrong secret", theirs, []string{other}, "signature_mismatch")
		if !timestamped {
			continue
		}
		j.check(b.name+": library signs an hour ago", libSign(b.b, now.Add(-time.Hour)), []string{secret}, "timestamp_too_old")
		if i == 0 {
			j.check(b.name+": library signs an hour ahead", libSign(b.b, now.Add(time.Hour)), []string{secret}, ahead)
			j.check(b.name+": hooktool signs an hour ago", sign(j.t, j.scheme, []string{secret}, b.b, "--timestamp", unix(now.Add(-time.Hour))), []string{secret}, "timestamp_too_old")
		}
	}
}

// errRefused stands for a library's false where it returns a bool.
var errRefused = errors.New("refused")

var hexRun = regexp.MustCompile(`[0-9a-f]{40,}`)

// upperHex is m with its hex signature written in upper case: the same
// MAC. hooktool refuses it (signature_mismatch, with a hint), as the
// libraries that compare the text do; libraryAccepts is what this library
// does (those that decode the hex accept it).
func upperHex(j judge, m message, secret string, libraryAccepts bool) {
	j.t.Helper()
	up := message{header: map[string]string{}, body: m.body}
	for name, value := range m.header {
		up.header[name] = hexRun.ReplaceAllStringFunc(value, strings.ToUpper)
	}
	j.checkApart("the signature in upper-case hex", up, secret, libraryAccepts, []string{secret}, "signature_mismatch")
}
