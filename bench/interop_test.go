package bench

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestInteropAsymmetric holds hooktool's asymmetric schemes (and the
// Standard Webhooks header that mixes v1 and v1a entries) to the providers'
// official libraries, run by Node (bench/interop/interop.js, its packages
// pinned by bench/interop/package-lock.json and installed by `npm ci`):
//
//   - what `hooktool sign` sends, the library accepts; with the body
//     tampered or the public key of another pair, it refuses;
//   - what the library's side signs, `hooktool verify` accepts; with the
//     body tampered or another public key it answers signature_mismatch,
//     and a timestamp an hour old is timestamp_too_old.
//
// Every case must agree: the test fails on the first disagreement and
// prints the table (cases agreeing / total per library) the README records.
// Without node or the installed packages it fails under CI=1 (.ci/run
// installs them) and is skipped elsewhere, naming the command to run.
func TestInteropAsymmetric(t *testing.T) {
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(filepath.Join("interop", "node_modules", "@sendgrid", "eventwebhook")); err != nil || serr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node (%v) or bench/interop/node_modules (%v) is missing: run `npm ci` in bench/interop", err, serr)
		}
		t.Skip("node or bench/interop/node_modules is missing: run `npm ci` in bench/interop")
	}
	dir := t.TempDir()
	hooktool := filepath.Join(dir, "hooktool")
	if out, err := exec.Command("go", "build", "-o", hooktool, "../cmd/hooktool").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ht := &runner{t: t, bin: hooktool, dir: dir}

	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	bodies := []struct {
		name string
		b    []byte
	}{
		{"json", []byte(`{"type":1,"id":"816f8ee5","application_id":"1234"}`)},
		{"unicode", []byte(`{"name":"Zoë 🎉","note":"naïve café","amount":5000}`)},
		{"newlines", []byte("{\"a\":1,\n \"b\":[1,2]}\r\n")},
		{"64KiB", []byte(`{"pad":"` + strings.Repeat("abcdefgh", 8<<10) + `"}`)},
		// Bytes that are not UTF-8: SendGrid's library reads the body as a
		// string, which replaces them, so it is left out there.
		{"binary", []byte("\xff\x00\xfe{\"\xc3\x28\"}")},
	}
	libs := []struct {
		lib, scheme string
	}{
		{"v1a", "standard-webhooks-v1a"},
		{"discord-interactions", "discord"},
		{"sendgrid", "sendgrid"},
		{"telnyx", "telnyx"},
		{"standardwebhooks", "standard-webhooks"},
	}
	// Two key pairs per asymmetric scheme: one signs, the other is the wrong key.
	keys := map[string][2]string{}
	for _, l := range libs[:len(libs)-1] { // all but standardwebhooks
		var pubs [2]string
		for i := range pubs {
			file := filepath.Join(dir, fmt.Sprintf("%s-%d.key", l.scheme, i))
			pubs[i] = strings.TrimSpace(ht.ok("keygen", "--scheme", l.scheme, "--out", file))
		}
		keys[l.scheme] = pubs
	}
	keyFile := func(scheme string) string { return filepath.Join(dir, scheme+"-0.key") }

	type verifyCase struct {
		Name    string            `json:"name"`
		Lib     string            `json:"lib"`
		Key     string            `json:"key"`
		Body    string            `json:"body"`
		Headers map[string]string `json:"headers"`
		want    bool
	}
	type signCase struct {
		Name      string `json:"name"`
		Lib       string `json:"lib"`
		Body      string `json:"body"`
		Timestamp int64  `json:"timestamp"`
		ID        string `json:"id"`
		Key       string `json:"key,omitempty"`
		scheme    string
		body      []byte
		stale     bool
	}
	var verifies []verifyCase
	var signs []signCase
	now := time.Now().Unix()
	for _, l := range libs {
		for _, b := range bodies {
			if l.lib == "sendgrid" && b.name == "binary" {
				continue
			}
			name := l.lib + "/" + b.name
			body := filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+".body")
			if err := os.WriteFile(body, b.b, 0o600); err != nil {
				t.Fatal(err)
			}
			id := "msg_" + strconv.Itoa(len(verifies))
			var headers map[string]string
			var key, wrong string
			if l.lib == "standardwebhooks" {
				// hooktool's v1 and v1a entries side by side, as a sender
				// using both would send them: the library checks the v1.
				v1 := ht.signed("--scheme", "standard-webhooks", "--secret", secret, "--payload", body, "--id", id, "--timestamp", strconv.FormatInt(now, 10))
				v1a := ht.signed("--scheme", "standard-webhooks-v1a", "--private-key-file", keyFile("standard-webhooks-v1a"), "--payload", body, "--id", id, "--timestamp", strconv.FormatInt(now, 10))
				headers = v1
				headers["webhook-signature"] = v1a["webhook-signature"] + " " + v1["webhook-signature"]
				key, wrong = secret, "whsec_dGhpcmQtc2VjcmV0LWtleS1ieXRlcy00NTY="
			} else {
				headers = ht.signed("--scheme", l.scheme, "--private-key-file", keyFile(l.scheme), "--payload", body, "--id", id, "--timestamp", strconv.FormatInt(now, 10))
				key, wrong = keys[l.scheme][0], keys[l.scheme][1]
			}
			enc := base64.StdEncoding.EncodeToString
			tampered := append(bytes.Clone(b.b), '!')
			verifies = append(verifies,
				verifyCase{Name: name + ": hooktool signs, the library accepts", Lib: l.lib, Key: key, Body: enc(b.b), Headers: headers, want: true},
				verifyCase{Name: name + ": hooktool signs, body tampered, the library refuses", Lib: l.lib, Key: key, Body: enc(tampered), Headers: headers, want: false},
				verifyCase{Name: name + ": hooktool signs, another key, the library refuses", Lib: l.lib, Key: wrong, Body: enc(b.b), Headers: headers, want: false},
			)
			sc := signCase{Lib: l.lib, Body: enc(b.b), Timestamp: now, ID: id, scheme: l.scheme, body: b.b}
			if l.lib == "standardwebhooks" {
				sc.Key = secret
			}
			sc.Name = name
			signs = append(signs, sc)
			sc.Name, sc.Timestamp, sc.stale = name+" (an hour old)", now-3600, true
			signs = append(signs, sc)
		}
	}
	req, _ := json.Marshal(map[string]any{"verify": verifies, "sign": signs})
	cmd := exec.Command(node, "interop/interop.js")
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node interop.js: %v\n%s", err, stderr.String())
	}
	var res struct {
		Verified []struct {
			Name     string `json:"name"`
			Accepted bool   `json:"accepted"`
			Error    string `json:"error"`
		} `json:"verified"`
		Signed []struct {
			Name       string            `json:"name"`
			Headers    map[string]string `json:"headers"`
			Key        string            `json:"key"`
			OtherKey   string            `json:"otherKey"`
			PrivateKey string            `json:"privateKey"`
		} `json:"signed"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Verified) != len(verifies) || len(res.Signed) != len(signs) {
		t.Fatalf("node's answer: %v (%d verified, %d signed)\n%.2000s", err, len(res.Verified), len(res.Signed), out)
	}

	agree, total := map[string]int{}, map[string]int{}
	tally := func(lib, name string, ok bool, detail string) {
		total[lib]++
		if ok {
			agree[lib]++
		} else {
			t.Errorf("%s: hooktool and the library disagree: %s", name, detail)
		}
	}
	for i, v := range res.Verified {
		c := verifies[i]
		tally(c.Lib, c.Name, v.Accepted == c.want, fmt.Sprintf("the library accepted=%v (%s), want %v", v.Accepted, v.Error, c.want))
	}
	for i, s := range res.Signed {
		c := signs[i]
		body := filepath.Join(dir, "lib.body")
		if err := os.WriteFile(body, c.body, 0o600); err != nil {
			t.Fatal(err)
		}
		tamperedBody := filepath.Join(dir, "lib-tampered.body")
		if err := os.WriteFile(tamperedBody, append(bytes.Clone(c.body), '!'), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"verify", "--json", "--scheme", c.scheme, "--payload", body}
		for name, value := range s.Headers {
			args = append(args, "-H", name+": "+value)
		}
		keyArg, other := []string{"--public-key", s.Key}, []string{"--public-key", s.OtherKey}
		if c.Lib == "standardwebhooks" {
			keyArg, other = []string{"--secret", s.Key}, []string{"--secret", "whsec_dGhpcmQtc2VjcmV0LWtleS1ieXRlcy00NTY="}
		}
		check := func(what string, extra []string, want string) {
			got := ht.reason(append(args, extra...)...)
			tally(c.Lib, c.Name+": the library signs, "+what, got == want, "hooktool verify says "+got+", want "+want)
		}
		if c.stale {
			check("hooktool refuses the old timestamp", keyArg, "timestamp_too_old")
			continue
		}
		check("hooktool accepts", keyArg, "valid")
		check("another key, hooktool refuses", other, "signature_mismatch")
		tampered := slicesReplace(args, body, tamperedBody)
		got := ht.reason(append(tampered, keyArg...)...)
		tally(c.Lib, c.Name+": the library signs, body tampered, hooktool refuses", got == "signature_mismatch", "hooktool verify says "+got)
		if s.PrivateKey != "" {
			// hooktool signs with the library's own private key (SEC 1 PEM),
			// and the library verifies it with its public key.
			pk := filepath.Join(dir, "starkbank.pem")
			if err := os.WriteFile(pk, []byte(s.PrivateKey), 0o600); err != nil {
				t.Fatal(err)
			}
			h := ht.signed("--scheme", "sendgrid", "--private-key-file", pk, "--payload", body, "--timestamp", strconv.FormatInt(now, 10))
			more, _ := json.Marshal(map[string]any{"verify": []verifyCase{{Name: "starkbank key", Lib: "sendgrid", Key: s.Key, Body: base64.StdEncoding.EncodeToString(c.body), Headers: h}}})
			cmd := exec.Command(node, "interop/interop.js")
			cmd.Stdin = bytes.NewReader(more)
			out, err := cmd.Output()
			tally(c.Lib, c.Name+": hooktool signs with the library's private key, the library accepts", err == nil && strings.Contains(string(out), `"accepted":true`), string(out))
		}
	}
	var names []string
	for lib := range total {
		names = append(names, lib)
	}
	sort.Strings(names)
	var table strings.Builder
	table.WriteString("| library | cases agreeing / total |\n|---|---|\n")
	for _, lib := range names {
		fmt.Fprintf(&table, "| %s | %d / %d |\n", lib, agree[lib], total[lib])
	}
	t.Logf("interop table:\n%s", table.String())
}

// runner runs the hooktool binary the test built.
type runner struct {
	t        *testing.T
	bin, dir string
}

// ok runs hooktool and returns its stdout; it must exit 0.
func (r *runner) ok(args ...string) string {
	r.t.Helper()
	cmd := exec.Command(r.bin, args...)
	cmd.Dir = r.dir
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("hooktool %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// signed runs `hooktool sign --json` and returns the headers.
func (r *runner) signed(args ...string) map[string]string {
	r.t.Helper()
	var out struct {
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal([]byte(r.ok(append([]string{"sign", "--json"}, args...)...)), &out); err != nil {
		r.t.Fatal(err)
	}
	return out.Headers
}

// reason runs `hooktool verify --json` and returns the verdict's reason.
func (r *runner) reason(args ...string) string {
	r.t.Helper()
	cmd := exec.Command(r.bin, args...)
	cmd.Dir = r.dir
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	var v struct {
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return fmt.Sprintf("no verdict (%q %s)", out, stderr.String())
	}
	return v.Reason
}

// cleanEnv is the environment without HOOKTOOL_* variables and with no
// config file found.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOOKTOOL_") {
			out = append(out, kv)
		}
	}
	return append(out, "XDG_CONFIG_HOME=/nonexistent")
}

func slicesReplace(args []string, old, new string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == old {
			a = new
		}
		out[i] = a
	}
	return out
}
