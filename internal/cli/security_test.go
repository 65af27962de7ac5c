package cli

// Security: secrets are never printed, whichever way they are given and
// whatever the command; the listener contacts only its forward target; it
// binds loopback unless told otherwise; capture files are private.
//
// Everything here runs in-process (Main) over loopback; every listener has
// --timeout and is cancelled when its test ends.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/term"
)

// The distinctive secrets, one per way of giving one. Each ends in a tag
// of six characters that occurs nowhere else, so a part of one is found too.
const (
	secEnv        = "hk-env-SECRET-4b7Qx9"
	secFlagFile   = "hk-flagfile-SECRET-8d2Lm3"
	secFlagFile2  = "hk-flagfile-SECRET2-1c5Rt7"
	secFlag       = "hk-flag-SECRET-6f1Zp4"
	secCfg        = "hk-cfg-SECRET-2h8Wn5"
	secCfgList    = "hk-cfglist-SECRET-9j3Kv6"
	secCfgList2   = "hk-cfglist-SECRET2-5m7Bx2"
	secCfgFile    = "hk-cfgfile-SECRET-3n6Yc8"
	secCfgEnv     = "hk-cfgenv-SECRET-7p4Ds1"
	secEP         = "hk-ep-SECRET-1q9Gf7"
	secEPList     = "hk-eplist-SECRET-4r2Hj8"
	secEPList2    = "hk-eplist-SECRET2-6s5Jk3"
	secEPFile     = "hk-epfile-SECRET-8t1Lm6"
	secEPEnv      = "hk-epenv-SECRET-2u7Np9"
	secEPVar      = "hk-epvar-SECRET-3w8Xz5" // HOOKTOOL_ENDPOINTS_EP_SECRET
	secOther      = "hk-other-SECRET-5v3Qr4" // another endpoint's, always configured
	secWhsecBytes = "hk-whsec-SECRET-9w4Tz8" // base64 after whsec_ for standard-webhooks
)

var secAll = []string{secEnv, secFlagFile, secFlagFile2, secFlag, secCfg, secCfgList, secCfgList2, secCfgFile, secCfgEnv, secEP, secEPList, secEPList2, secEPFile, secEPEnv, secEPVar, secOther, secWhsecBytes}

// secNeedles are what must not appear: each secret, its tag, and its hex
// and base64 forms.
func secNeedles() map[string]string {
	m := map[string]string{}
	for _, s := range secAll {
		m[s] = s
		m[s[strings.LastIndex(s, "-")+1:]] = s
		m[hex.EncodeToString([]byte(s))] = s
		m[base64.StdEncoding.EncodeToString([]byte(s))] = s
		m[strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(s)), "=")] = s
	}
	return m
}

// secFind returns the secrets text shows (in any form) and an excerpt
// around the first.
func secFind(text string) (found []string, excerpt string) {
	seen := map[string]bool{}
	for needle, s := range secNeedles() {
		i := strings.Index(text, needle)
		if i < 0 || seen[s] {
			continue
		}
		seen[s] = true
		found = append(found, s)
		if excerpt == "" {
			lo, hi := max(0, i-80), min(len(text), i+len(needle)+40)
			excerpt = text[lo:hi]
		}
	}
	sort.Strings(found)
	return found, excerpt
}

// lastLines is the end of a long output.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}

// secRaceEnabled reports whether the test binary has the race detector.
func secRaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// secRun runs hooktool in-process with the real clock.
func secRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	streams, out, errb := term.Test(stdin)
	app := &App{Streams: streams, Getenv: os.Getenv, Now: time.Now, Version: "test"}
	code := Main(context.Background(), app, args)
	return code, out.String(), errb.String()
}

// secListener is `hooktool listen` running in-process.
type secListener struct {
	url    string
	ready  string
	done   chan struct{}
	code   int
	out    *bytes.Buffer
	errs   *bytes.Buffer
	cancel context.CancelFunc
}

// secListen starts `hooktool listen --port 0 --ready-file F ARGS` and waits
// until it is ready. It is cancelled when the test ends.
func secListen(t *testing.T, args ...string) *secListener {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	streams, out, errb := term.Test("")
	app := &App{Streams: streams, Getenv: os.Getenv, Now: time.Now, Version: "test"}
	ctx, cancel := context.WithCancel(context.Background())
	l := &secListener{ready: ready, done: make(chan struct{}), out: out, errs: errb, cancel: cancel}
	full := append([]string{"listen", "--port", "0", "--ready-file", ready}, args...)
	go func() {
		defer close(l.done)
		l.code = Main(ctx, app, full)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-l.done:
		case <-time.After(20 * time.Second):
			t.Errorf("listen did not stop within 20s of being cancelled")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			l.url = strings.TrimSpace(string(b))
			return l
		}
		select {
		case <-l.done:
			t.Fatalf("hooktool %s exited %d before it was ready:\n%s%s", strings.Join(full, " "), l.code, out, errb)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			<-l.done
			t.Fatalf("hooktool %s: not ready within 10s:\n%s", strings.Join(full, " "), errb)
		}
	}
}

// wait waits for the listener to exit by itself (--exit-after, --timeout).
func (l *secListener) wait(t *testing.T) (int, string, string) {
	t.Helper()
	select {
	case <-l.done:
	case <-time.After(30 * time.Second):
		l.cancel()
		<-l.done
		t.Errorf("listen did not exit within 30s")
	}
	return l.code, l.out.String(), l.errs.String()
}

// stop stops the listener as Ctrl-C does.
func (l *secListener) stop(t *testing.T) (int, string, string) {
	t.Helper()
	l.cancel()
	return l.wait(t)
}

// secApp is an app to forward or replay to: it counts requests and keeps
// what it saw.
type secApp struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []secSeen
}

type secSeen struct {
	method, host, uri string
	header            http.Header
	body              []byte
}

func newSecApp(t *testing.T, answer string) *secApp {
	a := &secApp{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.reqs = append(a.reqs, secSeen{r.Method, r.Host, r.RequestURI, r.Header.Clone(), body})
		a.mu.Unlock()
		if strings.Contains(r.URL.Path, "/redirect-me") {
			// An app that tries to send the listener elsewhere.
			w.Header().Set("Location", r.URL.Query().Get("to"))
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, answer)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *secApp) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.reqs)
}

func (a *secApp) last() secSeen {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reqs[len(a.reqs)-1]
}

// secSource is one way of giving hooktool its secret.
type secSource struct {
	name string
	// top and endpoint are lines of hooktool.yaml: at the top level, and
	// under endpoints.ep (which becomes the default endpoint).
	top, endpoint []string
	env           map[string]string
	// args go to every command that takes signing flags.
	args []string
	// first is the secret that signs.
	first string
}

func secSources() []secSource {
	return []secSource{
		{name: "HOOKTOOL_SECRET", env: map[string]string{"HOOKTOOL_SECRET": secEnv}, first: secEnv},
		{name: "--secret-file", args: []string{"--secret-file", "flag-secrets.txt"}, first: secFlagFile},
		{name: "--secret", args: []string{"--secret", secFlag}, first: secFlag},
		{name: "config secret", top: []string{"secret: " + secCfg}, first: secCfg},
		{name: "config secrets", top: []string{"secrets: [" + secCfgList + ", " + secCfgList2 + "]"}, first: secCfgList},
		{name: "config secret_file", top: []string{"secret_file: cfg-secret.txt"}, first: secCfgFile},
		{name: "config secret_env", top: []string{"secret_env: HK_SEC_TEST_CFG"}, env: map[string]string{"HK_SEC_TEST_CFG": secCfgEnv}, first: secCfgEnv},
		{name: "endpoint secret", endpoint: []string{"secret: " + secEP}, first: secEP},
		{name: "endpoint secrets", endpoint: []string{"secrets: [" + secEPList + ", " + secEPList2 + "]"}, first: secEPList},
		{name: "endpoint secret_file", endpoint: []string{"secret_file: ep-secret.txt"}, first: secEPFile},
		{name: "endpoint secret_env", endpoint: []string{"secret_env: HK_SEC_TEST_EP"}, env: map[string]string{"HK_SEC_TEST_EP": secEPEnv}, first: secEPEnv},
		{name: "HOOKTOOL_ENDPOINTS_EP_SECRET", endpoint: []string{"tolerance: 300s"}, env: map[string]string{"HOOKTOOL_ENDPOINTS_EP_SECRET": secEPVar}, first: secEPVar},
	}
}

// yaml is the config file of a source; another endpoint's secret is always
// there (verify's hints look at it).
func (s secSource) yaml() string {
	var b strings.Builder
	for _, l := range s.top {
		b.WriteString(l + "\n")
	}
	if len(s.endpoint) > 0 {
		b.WriteString("endpoint: ep\n")
	}
	b.WriteString("endpoints:\n")
	if len(s.endpoint) > 0 {
		b.WriteString("  ep:\n    url: http://127.0.0.1:9/hooks\n")
		for _, l := range s.endpoint {
			b.WriteString("    " + l + "\n")
		}
	}
	b.WriteString("  other:\n    scheme: github\n    secret: " + secOther + "\n")
	return b.String()
}

// secSchemes are how each run is told the scheme: flutterwave's header is
// the secret itself.
var secSchemes = []struct {
	name string
	args []string
}{
	{"stripe", []string{"--scheme", "stripe"}},
	{"flutterwave", []string{"--scheme", "flutterwave"}},
	{"aella profile", []string{"--provider", "aella"}},
}

// secLeaks gathers leaks across the matrix: one report per scheme and
// place, naming every source that leaked there.
type secLeaks struct {
	mu      sync.Mutex
	sources map[string][]string
	example map[string]string
}

// secPlaceRE finds what differs between runs in a command line: loopback
// URLs and capture ids.
var secPlaceRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+|\b[0-9A-Z]{26}\b`)

func (l *secLeaks) check(place, source, text string) bool {
	place = secPlaceRE.ReplaceAllStringFunc(place, func(m string) string {
		if strings.HasPrefix(m, "http") {
			return "http://127.0.0.1:PORT"
		}
		return "ID"
	})
	found, excerpt := secFind(text)
	if len(found) == 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sources == nil {
		l.sources, l.example = map[string][]string{}, map[string]string{}
	}
	if len(l.sources[place]) == 0 {
		l.example[place] = fmt.Sprintf("%s %q", strings.Join(found, ","), excerpt)
	}
	l.sources[place] = append(l.sources[place], source)
	return true
}

func (l *secLeaks) report(t *testing.T) {
	keys := make([]string, 0, len(l.sources))
	for k := range l.sources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("SECRET PRINTED: %s\n    with the secret from: %s\n    e.g. %s", k, strings.Join(l.sources[k], "; "), l.example[k])
	}
}

// captureHeaderRE matches a captured Verif-Hash header, to tell a leak
// there (the header as the sender sent it) from one elsewhere.
var captureHeaderRE = regexp.MustCompile(`"Verif-Hash":\["[^"]*"\]`)

// TestSecuritySecretsNeverPrinted runs every command with the secret given
// each way, under a timestamped scheme, a provider profile and flutterwave
// (whose header is the secret), and checks no configured secret appears on
// stdout or stderr, in --json output, in HAR and curl exports, or in
// capture files. Flutterwave's verif-hash is kept as [redacted], the app
// still gets it when forwarded, and replay puts it back.
func TestSecuritySecretsNeverPrinted(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole matrix runs about a hundred listeners")
	}
	sandbox(t)
	var leaks secLeaks
	defer leaks.report(t)
	body := []byte("{\n  \"event\": \"transfer.completed\",\n  \"data\": {\"amount\": 5000}\n}\n")
	for n, src := range secSources() {
		for i, sch := range secSchemes {
			firstScheme := i == 0
			if secRaceEnabled() && i != n%len(secSchemes) {
				// The race detector makes each run about ten times slower:
				// each source with one scheme in turn, every command.
				continue
			}
			firstScheme = firstScheme || secRaceEnabled()
			t.Run(src.name+"/"+sch.name, func(t *testing.T) {
				dir := t.TempDir()
				t.Chdir(dir)
				for k, v := range src.env {
					t.Setenv(k, v)
				}
				writeFile(t, "hooktool.yaml", []byte(src.yaml()))
				writeFile(t, "flag-secrets.txt", []byte(secFlagFile+"\n"+secFlagFile2+"\n"))
				writeFile(t, "cfg-secret.txt", []byte("# comment\n"+secCfgFile+"\n"))
				writeFile(t, "ep-secret.txt", []byte(secEPFile+"\r\n"))
				writeFile(t, "body.json", body)
				writeFile(t, "tampered.json", bytes.Replace(body, []byte("5000"), []byte("9000"), 1))
				// A request file a proxy might have kept, its header line
				// broken: the parser's error quotes it.
				writeFile(t, "garbage.http", []byte("POST /hook HTTP/1.1\r\nHost: x\r\nverif-hash "+src.first+"\r\n\r\n{}"))
				flutter := sch.name == "flutterwave"
				signing := append(append([]string{}, sch.args...), src.args...)
				place := func(what string) string { return sch.name + " | " + what }
				// cmd runs one command and checks its output.
				cmd := func(stdin string, args ...string) (int, string, string) {
					t.Helper()
					code, out, errs := secRun(t, stdin, args...)
					what := strings.Join(args, " ")
					if len(signing) > 0 {
						what = strings.ReplaceAll(what, strings.Join(signing, " "), "<signing flags>")
					}
					leaks.check(place(what+" → stdout"), src.name, out)
					leaks.check(place(what+" → stderr"), src.name, errs)
					return code, out, errs
				}
				with := func(args ...string) []string {
					out := append([]string{}, args...)
					return append(out, signing...)
				}

				// --- sign, in every format -------------------------------
				code, headers, errs := cmd("", with("sign", "--payload", "body.json")...)
				if code != ExitOK {
					t.Fatalf("sign: exit %d: %s", code, errs)
				}
				for _, f := range []string{"headers", "json", "curl", "http"} {
					cmd("", with("sign", "--payload", "body.json", "--format", f, "--to", "http://127.0.0.1:9/hook")...)
					cmd("", with("sign", "--payload", "body.json", "--format", f, "--json")...)
				}
				cmd(string(body), with("sign", "--json")...)
				_, reqHTTP, _ := cmd("", with("sign", "--payload", "body.json", "--format", "http", "--to", "http://127.0.0.1:9/hook")...)
				writeFile(t, "req.http", []byte(reqHTTP))
				if !flutter {
					// The run signed with the secret this source gives.
					check := append(append([]string{"verify", "--request", "req.http", "--secret", src.first}, sch.args...), "--config", os.DevNull)
					if code, out, errs := secRun(t, "", check...); code != ExitOK {
						t.Fatalf("the source's secret did not sign: %d %s %s", code, out, errs)
					}
				}

				// --- verify: valid, invalid with hints, other schemes ----
				var hargs []string
				for _, l := range strings.Split(strings.TrimSpace(headers), "\n") {
					hargs = append(hargs, "--header", l)
				}
				for _, jf := range [][]string{nil, {"--json"}} {
					cmd("", with(append([]string{"verify", "--request", "req.http"}, jf...)...)...)
					cmd("", with(append(append([]string{"verify", "--payload", "body.json"}, hargs...), jf...)...)...)
					cmd("", with(append(append([]string{"verify", "--payload", "tampered.json"}, hargs...), jf...)...)...)
					cmd("", with(append([]string{"verify", "--payload", "body.json", "--header", "Stripe-Signature: t=1,v1=00", "--header", "X-Hub-Signature-256: sha256=00"}, jf...)...)...)
					// A verif-hash carrying another endpoint's secret: the
					// hint may name the endpoint, never the value.
					cmd("", with(append([]string{"verify", "--payload", "body.json", "--header", "verif-hash: " + secOther}, jf...)...)...)
					cmd("", with(append([]string{"verify", "--payload", "body.json", "--header", "verif-hash: " + src.first}, jf...)...)...)
				}
				if !flutter {
					if code, out, errs := cmd("", with("verify", "--request", "req.http")...); code != ExitOK {
						t.Errorf("verify --request: %d %s %s", code, out, errs)
					}
				}

				// --- config, providers, events, completion ---------------
				// (Those that take no scheme run once per source.)
				cmd("", with("config")...)
				cmd("", with("config", "--json")...)
				if firstScheme {
					cmd("", "config")
					cmd("", "config", "--json")
					cmd("", "providers")
					cmd("", "providers", "--json")
					cmd("", "events")
					cmd("", "events", "--json")
					cmd("", "events", "--provider", "aella")
					cmd("", "events", "show", "transfer.completed", "--provider", "aella")
					cmd("", "events", "show", "transfer.completed", "--provider", "aella", "--json", "--set", "data.amount=1")
					for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
						cmd("", "completion", sh)
					}
				}
				complete := func(args ...string) []string {
					return append(append([]string{"__complete", args[0]}, signing...), args[1:]...)
				}
				cmd("", complete("trigger", "")...)
				cmd("", complete("sign", "--format", "")...)
				cmd("", complete("listen", "--provider", "")...)

				// --- trigger --print, every format, and --json -----------
				trig := func(args ...string) []string {
					return with(append([]string{"trigger", "transfer.completed", "--provider", "aella"}, args...)...)
				}
				for _, f := range printFormats {
					if code, _, errs := cmd("", trig("--print", "--format", f)...); code != ExitOK {
						t.Errorf("trigger --print --format %s: exit %d: %s", f, code, errs)
					}
					cmd("", trig("--print", "--format", f, "--json", "--to", "http://127.0.0.1:9/x")...)
				}
				cmd("", trig("--print", "--data", "body.json", "--header", "X-Extra: 1")...)

				// --- listen --json, --verbose, plain: --save, --forward-to
				app := newSecApp(t, "app-ok")
				capFile := filepath.Join(dir, "got.jsonl")
				// The third delivery of each listener is a plain request
				// as the provider would send it (signed headers from sign;
				// flutterwave's verif-hash is the secret itself).
				deliver3 := func(url string) {
					t.Helper()
					_, js, _ := secRun(t, "", with("sign", "--payload", "body.json", "--format", "json", "--to", url+"/raw")...)
					var doc struct{ Headers map[string]string }
					if err := json.Unmarshal([]byte(js), &doc); err != nil {
						t.Fatalf("sign --format json: %v: %s", err, js)
					}
					req, _ := http.NewRequest("POST", url+"/raw", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					for k, v := range doc.Headers {
						if v == "[redacted]" {
							v = src.first
						}
						req.Header.Set(k, v)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatalf("post: %v", err)
					}
					resp.Body.Close()
				}
				for _, mode := range [][]string{{"--json"}, {"--verbose"}, nil} {
					largs := with(append([]string{"--save", capFile, "--exit-after", "3", "--timeout", "20s", "--forward-to", app.srv.URL + "/app"}, mode...)...)
					l := secListen(t, largs...)
					cmd("", trig("--to", l.url+"/hooks")...)
					cmd("", trig("--to", l.url+"/hooks", "--json")...)
					deliver3(l.url)
					code, out, errs := l.wait(t)
					what := "listen <signing flags> " + strings.Join(mode, " ") + " --save --forward-to"
					leaks.check(place(what+" → stdout"), src.name, out)
					leaks.check(place(what+" → stderr"), src.name, errs)
					if code != ExitOK {
						t.Errorf("%s: exit %d\n%s%s", what, code, out, errs)
					}
				}
				if app.count() != 9 {
					t.Errorf("the app got %d forwarded deliveries, want 9", app.count())
				} else if flutter {
					// Whatever is kept, the app gets the real header.
					app.mu.Lock()
					for i, seen := range app.reqs {
						if got := seen.header.Get("Verif-Hash"); got != src.first {
							t.Errorf("forwarded delivery %d: the app got verif-hash %q, want the secret as sent", i, got)
						}
					}
					app.mu.Unlock()
				}
				capData, err := os.ReadFile(capFile)
				if err != nil {
					t.Fatal(err)
				}
				if n := bytes.Count(capData, []byte("\n")); n != 9 {
					t.Errorf("capture file has %d records, want 9", n)
				}
				// The capture keeps the request as received, but no
				// configured secret: flutterwave's verif-hash (the secret
				// itself) is kept as [redacted] and named in
				// redacted_headers, for replay to put back.
				if leaks.check(place("listen --save capture file"), src.name, string(capData)) {
					if cleaned := captureHeaderRE.ReplaceAllString(string(capData), ""); !strings.Contains(cleaned, "SECRET") {
						t.Logf("the capture holds the secret only in the received Verif-Hash header")
					}
				}
				if flutter && strings.Count(string(capData), `"Verif-Hash":["[redacted]"]`) != 9 {
					t.Errorf("the capture does not keep verif-hash as [redacted] in all 9 records")
				}
				var firstID string
				if i := bytes.Index(capData, []byte(`"id":"`)); i >= 0 {
					firstID = string(capData[i+6 : i+6+26])
				}

				// --- captures, verify over captures, replay --------------
				cmd("", "captures", "list", "got.jsonl")
				cmd("", "captures", "list", "got.jsonl", "--json")
				cmd("", "captures", "show", "got.jsonl", firstID)
				cmd("", "captures", "show", "got.jsonl", firstID, "--json")
				cmd("", "captures", "export", "got.jsonl", "--format", "har")
				cmd("", "captures", "export", "got.jsonl", "--format", "curl")
				cmd("", "captures", "export", "got.jsonl", "--format", "curl", "--to", "http://127.0.0.1:9/")
				if code, out, errs := cmd("", with("verify", "got.jsonl")...); code != ExitOK {
					t.Errorf("verify over captures of 9 deliveries the listener found valid: exit %d\n%s%s", code, lastLines(out, 2), errs)
				}
				cmd("", with("verify", "got.jsonl", "--json")...)
				before := app.count()
				for _, args := range [][]string{
					with("replay", "got.jsonl", "--to", app.srv.URL),
					with("replay", "got.jsonl", "--to", app.srv.URL, "--json"),
					with("replay", "got.jsonl", "--to", app.srv.URL, "--resign"),
					with("replay", "got.jsonl", "--to", app.srv.URL, "--resign", "--json"),
					// No signing flags: with a flag source, nothing tells
					// replay the secret; the capture still says its scheme.
					{"replay", "got.jsonl", "--to", app.srv.URL, "--json"},
					{"replay", "got.jsonl", "--to", app.srv.URL},
				} {
					if code, out, errs := cmd("", args...); code != ExitOK {
						t.Errorf("hooktool %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
					}
				}
				if got := app.count() - before; got != 6*9 {
					t.Errorf("replays sent %d deliveries, want %d", got, 6*9)
				}
				// A byte-exact replay with the secret configured carries the
				// real verif-hash again.
				if flutter {
					app.mu.Lock()
					bad, got := 0, ""
					for _, seen := range app.reqs[before : before+9] {
						if v := seen.header.Get("Verif-Hash"); v != src.first {
							bad, got = bad+1, v
						}
					}
					app.mu.Unlock()
					if bad > 0 {
						t.Errorf("replay (no --resign, secret configured): %d of 9 deliveries reached the app with verif-hash %q, not the configured secret put back", bad, got)
					}
				}

				// --- error paths, text and --json ------------------------
				modes := [][]string{{"--json"}}
				if firstScheme {
					modes = append(modes, nil)
				}
				for _, jf := range modes {
					e := func(args ...string) {
						t.Helper()
						if code, out, errs := cmd("", append(args, jf...)...); code != ExitError {
							t.Errorf("hooktool %s: exit %d, want 2\n%s%s", strings.Join(args, " "), code, out, errs)
						}
					}
					e(with("sign", "--payload", "body.json", "--no-such-flag")...)
					e(with("sign", "--payload", "missing.json")...)
					e(with("sign", "--payload", "body.json", "--format", "xml")...)
					if src.name != "--secret" { // --secret beats --secret-file (see the report)
						e(append(with("sign", "--payload", "body.json"), "--secret-file", "missing-secret.txt")...)
						e(append(with("sign", "--payload", "body.json"), "--secret-file", ".")...)
					}
					e(with("verify", "--request", "missing.http")...)
					e(with("verify", "--request", "garbage.http")...)
					e(with("verify", "--payload", "body.json", "--header", "no colon "+src.first)...)
					e(with("verify", "--payload", "body.json", "--header", "X: 1", "--at", "yesterday")...)
					e(with("verify", "--payload", "body.json", "--header", "X: 1", "--endpoint", "nosuch")...)
					e(with("trigger", "no.such.event")...)
					e(trig("--print", "--unset", "data.no.such.field")...)
					e(trig("--print", "--set", "no-equals-sign")...)
					e(trig("--to", "ftp://127.0.0.1:9/")...)
					e(trig("--data", "missing.json")...)
					e(with("listen", "--port", "-5")...)
					e(with("listen", "--port", "0", "--save", filepath.Join(dir, "no", "such", "dir.jsonl"))...)
					e(with("listen", "--port", "0", "--max-body", "lots")...)
					e(with("replay", "missing.jsonl", "--to", app.srv.URL)...)
					e(with("replay", "got.jsonl", "--to", "ftp://x/")...)
					if firstScheme {
						e("captures", "show", "got.jsonl", "NOSUCHID")
						e("captures", "export", "got.jsonl", "--format", "xml")
						e("events", "show", "no.such.event")
					}
					e(with("config", "--endpoint", "nosuch")...)
					e(with("verify", "missing.jsonl")...)
				}
			})
		}
	}
	// Standard Webhooks' secrets are whsec_ and base64: neither form may show.
	t.Run("standard-webhooks whsec_", func(t *testing.T) {
		t.Chdir(t.TempDir())
		t.Setenv("HOOKTOOL_SECRET", "whsec_"+base64.StdEncoding.EncodeToString([]byte(secWhsecBytes)))
		writeFile(t, "body.json", body)
		for _, args := range [][]string{
			{"sign", "--scheme", "standard-webhooks", "--payload", "body.json"},
			{"sign", "--scheme", "standard-webhooks", "--payload", "body.json", "--format", "curl"},
			{"sign", "--scheme", "standard-webhooks", "--payload", "body.json", "--json"},
			{"config", "--json"},
			{"trigger", "transfer.completed", "--provider", "aella", "--scheme", "standard-webhooks", "--print", "--format", "json"},
			{"verify", "--scheme", "standard-webhooks", "--payload", "body.json", "--header", "webhook-id: x", "--header", "webhook-timestamp: 1", "--header", "webhook-signature: v1,AA==", "--json"},
		} {
			_, out, errs := secRun(t, "", args...)
			leaks.check("standard-webhooks | "+strings.Join(args, " ")+" → stdout+stderr", "HOOKTOOL_SECRET=whsec_…", out+errs)
		}
	})
}

// TestSecurityMalformedConfigNeverPrintsSecrets: a config file the YAML
// parser refuses quotes what it refused; the secret must not be in it.
func TestSecurityMalformedConfigNeverPrintsSecrets(t *testing.T) {
	sandbox(t)
	writeFile(t, "body.json", []byte(`{}`))
	// A secret a generator might make, with a backtick in it.
	const tick = "hk-tick`SECRET-0x8Kq1"
	cases := map[string]string{
		"unterminated quote":  "secret: \"" + secCfg + "\n",
		"unterminated single": "secret: '" + secCfg + "\n",
		"tab":                 "secret: " + secCfg + "\n\tx: 1\n",
		"unclosed list":       "secrets: [" + secCfgList + ", \n",
		"unclosed flow map":   "{secret: " + secCfg + "\n",
		"mapping in value":    "secret: " + secCfg + ": x\n",
		"unknown anchor":      "secret: *" + secCfg + "\n",
		"!!int":               "secret: !!int " + secCfg + "\n",
		"!!bool":              "secret: !!bool " + secCfg + "\n",
		"!!float":             "secret: !!float " + secCfg + "\n",
		"!!timestamp":         "secret: !!timestamp " + secCfg + "\n",
		"!!binary":            "secret: !!binary " + secCfg + "\n",
		"duplicate key":       "secret: " + secCfg + "\nsecret: " + secCfgList + "\n",
		"endpoint !!int":      "endpoints:\n  ep:\n    secret: !!int " + secEP + "\n",
		"secrets as map":      "secrets: {a: " + secCfgList + "}\n",
		"bad indentation":     "secrets:\n  - " + secCfgList + "\n - " + secCfgList2 + "\n",
		"%TAG":                "%TAG " + secCfg + " x\n",
		"backtick in secret":  "secret: !!int " + tick + "\n",
	}
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		writeFile(t, "bad.yaml", []byte(cases[name]))
		for _, args := range [][]string{
			{"config", "--config", "bad.yaml"},
			{"config", "--config", "bad.yaml", "--json"},
			{"sign", "--config", "bad.yaml", "--scheme", "github", "--payload", "body.json", "--json"},
			{"listen", "--config", "bad.yaml", "--port", "0", "--timeout", "1s", "--json"},
		} {
			code, out, errs := secRun(t, "", args...)
			found, excerpt := secFind(out + errs)
			if strings.Contains(out+errs, "0x8Kq1") {
				found, excerpt = append(found, tick), out+errs
			}
			if len(found) > 0 {
				t.Errorf("config %s: hooktool %s printed a secret (%s): %q", name, strings.Join(args, " "), strings.Join(found, ","), excerpt)
			}
			if code == ExitOK && !strings.HasPrefix(args[0], "config") {
				t.Errorf("config %s: hooktool %s: exit 0", name, strings.Join(args, " "))
			}
		}
	}
	// The secret file named as the config file (an easy slip), and
	// through HOOKTOOL_CONFIG.
	writeFile(t, "secret.txt", []byte(secFlagFile+"\n"))
	for _, env := range []bool{false, true} {
		args := []string{"config", "--json", "--config", "secret.txt"}
		if env {
			t.Setenv("HOOKTOOL_CONFIG", "secret.txt")
			args = []string{"sign", "--scheme", "github", "--payload", "body.json"}
		}
		code, out, errs := secRun(t, "", args...)
		if found, excerpt := secFind(out + errs); len(found) > 0 || code != ExitError {
			t.Errorf("a secret file as the config (HOOKTOOL_CONFIG %v): exit %d, printed %v: %q", env, code, found, excerpt)
		}
	}
}

// TestSecurityFlutterwaveHeaderNotShown: flutterwave's verif-hash is the
// secret itself. The capture keeps it as [redacted] (named in
// redacted_headers); nothing hooktool shows holds it: listen --json,
// captures list --json, show, show --json, HAR, replay --json, and a curl
// export shows a placeholder. That holds too when the value is another
// configured endpoint's secret.
func TestSecurityFlutterwaveHeaderNotShown(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", secEnv)
	writeFile(t, "hooktool.yaml", []byte("endpoints:\n  other:\n    scheme: flutterwave\n    secret: "+secOther+"\n"))
	l := secListen(t, "--scheme", "flutterwave", "--json", "--save", "fw.jsonl", "--exit-after", "2", "--timeout", "20s")
	if code, out, errs := secRun(t, "", "trigger", "transfer.completed", "--provider", "aella", "--scheme", "flutterwave", "--to", l.url+"/fw"); code != ExitOK {
		t.Fatalf("trigger: %d %s %s", code, out, errs)
	}
	// A delivery carrying another configured endpoint's secret (a sender
	// set up for the other endpoint): the header is a secret whatever its
	// value, and this value is a configured secret besides.
	req, _ := http.NewRequest("POST", l.url+"/fw2", strings.NewReader(`{"event":"x"}`))
	req.Header.Set("Verif-Hash", secOther)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	} else {
		t.Fatal(err)
	}
	code, out, errs := l.wait(t)
	if code != ExitOK {
		t.Fatalf("listen: %d %s", code, errs)
	}
	if !strings.Contains(out, `"verdict":{"scheme":"flutterwave","valid":true`) {
		t.Errorf("the trigger delivery did not verify:\n%s", out)
	}
	if found, ex := secFind(out); len(found) > 0 {
		t.Errorf("listen --json printed a verif-hash secret on stdout (%v): %q", found, ex)
	}
	capData, _ := os.ReadFile("fw.jsonl")
	if found, ex := secFind(string(capData)); len(found) > 0 {
		t.Errorf("the capture file keeps a configured secret (%v): %q", found, ex)
	}
	if !strings.Contains(string(capData), `"Verif-Hash":["[redacted]"]`) || !strings.Contains(string(capData), `"redacted_headers":["Verif-Hash"]`) {
		t.Errorf("the capture does not keep verif-hash as [redacted], named in redacted_headers:\n%s", capData)
	}
	ids := regexp.MustCompile(`"id":"([0-9A-Z]{26})"`).FindAllStringSubmatch(string(capData), -1)
	if len(ids) != 2 {
		t.Fatalf("want 2 records: %s", capData)
	}
	for _, args := range [][]string{
		{"captures", "list", "fw.jsonl", "--json"},
		{"captures", "show", "fw.jsonl", ids[0][1]},
		{"captures", "show", "fw.jsonl", ids[1][1]},
		{"captures", "show", "fw.jsonl", ids[0][1], "--json"},
		{"captures", "export", "fw.jsonl", "--format", "har"},
		{"captures", "export", "fw.jsonl", "--format", "curl"},
		{"replay", "fw.jsonl", "--to", "http://127.0.0.1:9/", "--json", "--secret", "unrelated"},
	} {
		_, out, errs := secRun(t, "", args...)
		if found, ex := secFind(out + errs); len(found) > 0 {
			t.Errorf("hooktool %s printed a verif-hash secret (%v): %q", strings.Join(args, " "), found, ex)
		}
	}
	// The curl export: a placeholder, as sign --format curl writes it.
	_, curl, _ := secRun(t, "", "captures", "export", "fw.jsonl", "--format", "curl", "--id", ids[0][1])
	if !strings.Contains(curl, "${HOOKTOOL_SECRET") && !strings.Contains(strings.ToLower(curl), "verif-hash: [redacted]") {
		t.Errorf("the curl export of a flutterwave delivery shows no placeholder for verif-hash:\n%s", curl)
	}
	// listen --verbose with the secret configured does redact it: the
	// reference for the others.
	l = secListen(t, "--scheme", "flutterwave", "--verbose", "--exit-after", "1", "--timeout", "20s")
	secRun(t, "", "trigger", "transfer.completed", "--provider", "aella", "--scheme", "flutterwave", "--to", l.url+"/v")
	_, out, _ = l.wait(t)
	if found, ex := secFind(out); len(found) > 0 || !strings.Contains(out, "Verif-Hash: [redacted]") {
		t.Errorf("listen --verbose: %v %q\n%s", found, ex, out)
	}
}

// secRaw sends raw bytes over TCP and returns the status line, or "" when
// the connection closed without an answer.
func secRaw(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// TestSecurityListenerContactsOnlyItsTarget sends deliveries that try to
// steer the listener elsewhere (Host, absolute-form request URIs, CONNECT,
// X-Forwarded-*, Forwarded, paths that look like authorities, a redirect
// from the app): a second server, the would-be destination, must get
// nothing, while the forward target gets every delivery.
func TestSecurityListenerContactsOnlyItsTarget(t *testing.T) {
	sandbox(t)
	target := newSecApp(t, "from-the-forward-target")
	other := newSecApp(t, "from-the-other-server")
	otherAddr := strings.TrimPrefix(other.srv.URL, "http://")
	targetAddr := strings.TrimPrefix(target.srv.URL, "http://")
	// --path-prefix: each request's own path is sent, under /app.
	l := secListen(t, "--forward-to", target.srv.URL+"/app", "--path-prefix", "--forward-timeout", "5s", "--timeout", "60s", "--save", "steer.jsonl")
	addr := strings.TrimPrefix(l.url, "http://")
	body := `{"event":"steer"}`
	req := func(requestLine string, headers ...string) string {
		r := requestLine + "\r\n"
		hasHost := false
		for _, h := range headers {
			hasHost = hasHost || strings.HasPrefix(strings.ToLower(h), "host:")
			r += h + "\r\n"
		}
		if !hasHost {
			r += "Host: " + addr + "\r\n"
		}
		return r + fmt.Sprintf("Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	}
	cases := []struct {
		name string
		raw  string
	}{
		{"Host header", req("POST /h HTTP/1.1", "Host: "+otherAddr)},
		{"absolute-form URI", req("POST http://"+otherAddr+"/abs HTTP/1.1", "Host: "+otherAddr)},
		{"absolute-form URI, own Host", req("POST http://" + otherAddr + "/abs2?q=1 HTTP/1.1")},
		{"absolute-form https URI", req("POST https://" + otherAddr + "/abs3 HTTP/1.1")},
		{"absolute-form with userinfo", req("POST http://u:p@" + otherAddr + "/abs4 HTTP/1.1")},
		{"absolute-form without path", req("POST http://" + otherAddr + " HTTP/1.1")},
		{"opaque URI", req("POST http:" + otherAddr + "/opaque HTTP/1.1")},
		{"X-Forwarded-*", req("POST /xf HTTP/1.1", "X-Forwarded-Host: "+otherAddr, "X-Forwarded-Proto: http", "X-Forwarded-Port: "+otherAddr[strings.LastIndex(otherAddr, ":")+1:], "X-Forwarded-For: 127.0.0.1", "X-Original-URL: http://"+otherAddr+"/", "X-Rewrite-URL: http://"+otherAddr+"/")},
		{"Forwarded", req("POST /fwd HTTP/1.1", "Forwarded: for=127.0.0.1;host="+otherAddr+";proto=http")},
		{"all of them", req("POST http://"+otherAddr+"/all HTTP/1.1", "Host: "+otherAddr, "X-Forwarded-Host: "+otherAddr, "Forwarded: host="+otherAddr)},
		{"authority-looking path", req("POST //" + otherAddr + "/x HTTP/1.1")},
		{"@ path", req("POST /@" + otherAddr + "/x HTTP/1.1")},
		{"escaped slashes", req("POST /%2F%2F" + otherAddr + "/x HTTP/1.1")},
		{"asterisk-form", req("POST * HTTP/1.1")},
		{"CONNECT", "CONNECT " + otherAddr + " HTTP/1.1\r\nHost: " + otherAddr + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
		{"HTTP/1.0 without Host", "POST http://" + otherAddr + "/h10 HTTP/1.0\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body},
		{"Proxy-Connection, Max-Forwards", req("POST http://"+otherAddr+"/proxy HTTP/1.1", "Proxy-Connection: keep-alive", "Max-Forwards: 10", "Via: 1.1 evil")},
	}
	for _, tc := range cases {
		before := target.count()
		status := secRaw(t, addr, tc.raw)
		if other.count() != 0 {
			t.Fatalf("%s: the other server was contacted (%d requests): %+v", tc.name, other.count(), other.last())
		}
		switch got := target.count() - before; {
		case got == 1:
			seen := target.last()
			if seen.host != targetAddr {
				t.Errorf("%s: the target got Host %q, want its own %q", tc.name, seen.host, targetAddr)
			}
			if !strings.HasPrefix(seen.uri, "/app") {
				t.Errorf("%s: the target got %s %s, want a path under /app", tc.name, seen.method, seen.uri)
			}
			if !strings.HasPrefix(status, "HTTP/1.1 200") && !strings.HasPrefix(status, "HTTP/1.0 200") {
				t.Errorf("%s: the sender got %q, want the target's 200", tc.name, status)
			}
		case got == 0 && !strings.HasPrefix(status, "HTTP/1.1 200") && !strings.HasPrefix(status, "HTTP/1.0 200"):
			t.Logf("%s: refused by the server: %q", tc.name, status) // not forwarded anywhere
		default:
			t.Errorf("%s: the target got %d requests, sender got %q", tc.name, got, status)
		}
	}
	// The app answers with a redirect to the other server: the listener
	// passes the answer on, and does not follow it.
	before := target.count()
	status := secRaw(t, addr, req("POST /redirect-me?to="+other.srv.URL+"/followed HTTP/1.1"))
	if other.count() != 0 || target.count() != before+1 || !strings.HasPrefix(status, "HTTP/1.1 307") {
		t.Errorf("redirect from the app: other got %d, target %d, sender %q", other.count(), target.count()-before, status)
	}
	// --json and --verbose change nothing: same checks through the sender's
	// ordinary client with every steering header.
	code, out, errs := l.stop(t)
	if code != ExitOK {
		t.Errorf("listen: exit %d\n%s%s", code, out, errs)
	}
	if other.count() != 0 {
		t.Errorf("the other server got %d requests", other.count())
	}
	t.Logf("the target got %d of %d deliveries", target.count(), len(cases)+1)
}

// TestSecurityListenBinding: 127.0.0.1 unless told otherwise; every
// interface warns; the ready file holds the URL.
func TestSecurityListenBinding(t *testing.T) {
	sandbox(t)
	readyRE := regexp.MustCompile(`^http://127\.0\.0\.1:[1-9]\d*$`)
	for _, jf := range []bool{false, true} {
		args := []string{"--timeout", "20s"}
		if jf {
			args = append(args, "--json")
		}
		l := secListen(t, args...)
		b, _ := os.ReadFile(l.ready)
		if !readyRE.MatchString(l.url) || string(b) != l.url+"\n" {
			t.Errorf("--ready-file holds %q, want http://127.0.0.1:PORT and a newline", b)
		}
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(l.url, "http://"), 5*time.Second)
		if err != nil {
			t.Errorf("the ready URL does not answer: %v", err)
		} else {
			c.Close()
		}
		code, out, errs := l.stop(t)
		if code != ExitOK {
			t.Errorf("exit %d: %s", code, errs)
		}
		if strings.Contains(errs, "warning") || strings.Contains(out, "warning") {
			t.Errorf("loopback bind warned:\n%s", errs)
		}
		want := "hooktool: listening on " + l.url + " ("
		if jf {
			want = `"type":"ready","url":"` + l.url + `"`
		}
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
		if _, err := os.Stat(l.ready); !os.IsNotExist(err) {
			t.Errorf("the ready file is left after exit: %v", err)
		}
	}
	// Every interface: a warning on stderr (a JSON one with --json). The
	// listener refuses all but loopback and exits at once.
	for _, host := range []string{"0.0.0.0", "::", ""} {
		for _, jf := range []bool{false, true} {
			args := []string{"listen", "--host", host, "--port", "0", "--allow-ip", "127.0.0.1/32", "--allow-ip", "::1", "--timeout", "50ms"}
			if jf {
				args = append(args, "--json")
			}
			code, out, errs := secRun(t, "", args...)
			if code != ExitOK && strings.Contains(errs, "cannot listen") {
				t.Logf("--host %q: %s", host, errs) // no IPv6 here
				continue
			}
			want := "hooktool: warning: listening on every network interface (--host "
			if jf {
				want = `{"type":"warning","message":"listening on every network interface (--host `
			}
			if code != ExitOK || !strings.Contains(errs, want) || out != "" {
				t.Errorf("--host %q (json %v): exit %d, stdout %q, stderr:\n%s", host, jf, code, out, errs)
			}
		}
	}
	// An explicit loopback address does not warn.
	code, _, errs := secRun(t, "", "listen", "--host", "127.0.0.1", "--port", "0", "--timeout", "50ms")
	if code != ExitOK || strings.Contains(errs, "warning") {
		t.Errorf("--host 127.0.0.1: %d %s", code, errs)
	}
}

// TestSecurityCaptureFileModes: a new capture file is 0600 whatever the
// umask allows; an existing one is appended to and keeps its mode.
func TestSecurityCaptureFileModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix file modes")
	}
	sandbox(t)
	deliver := func(save string) {
		t.Helper()
		l := secListen(t, "--save", save, "--exit-after", "1", "--timeout", "20s")
		resp, err := http.Post(l.url+"/m", "application/json", strings.NewReader(`{"event":"mode"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if code, _, errs := l.wait(t); code != ExitOK {
			t.Fatalf("listen: %d %s", code, errs)
		}
	}
	mode := func(p string) os.FileMode {
		t.Helper()
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	deliver("new.jsonl")
	if m := mode("new.jsonl"); m != 0o600 {
		t.Errorf("new capture file: mode %v, want 0600", m)
	}
	deliver("new.jsonl")
	if m := mode("new.jsonl"); m != 0o600 {
		t.Errorf("appended capture file: mode %v, want 0600", m)
	}
	for _, perm := range []os.FileMode{0o640, 0o644} {
		name := fmt.Sprintf("existing-%o.jsonl", perm)
		first := `{"v":1,"id":"01J0000000000000000000000A","received_at":"2026-01-01T00:00:00Z","method":"POST","path":"/old","headers":{},"body":"","body_encoding":"utf8","body_size":0,"matched":true,"answer":{"status":200}}` + "\n"
		if err := os.WriteFile(name, []byte(first), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(name, perm); err != nil {
			t.Fatal(err)
		}
		deliver(name)
		if m := mode(name); m != perm {
			t.Errorf("%s: mode %v after appending, want %v kept", name, m, perm)
		}
		data, _ := os.ReadFile(name)
		if !strings.HasPrefix(string(data), first) || strings.Count(string(data), "\n") != 2 {
			t.Errorf("%s: not appended to:\n%s", name, data)
		}
	}
	b, _ := os.ReadFile("new.jsonl")
	if strings.Count(string(b), "\n") != 2 {
		t.Errorf("new.jsonl: want 2 records:\n%s", b)
	}
}
