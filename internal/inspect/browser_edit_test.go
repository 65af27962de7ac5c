package inspect

// Browser tests of the inspector's editing and selecting: Edit and resend
// with headers, the HAR of the deliveries selected, and the JSON tree's
// numbers. The machinery (newBrowser, waitText, clickText, ...) is in
// browser_test.go.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestBrowserEditAndResendHeaders edits a header (typed), removes one and
// adds one from the keyboard, edits a body field, previews what changes
// (nothing sent), then sends to a loopback sink: the sink gets the edited
// headers and body, with a signature that verifies.
func TestBrowserEditAndResendHeaders(t *testing.T) {
	b := newBrowser(t)

	path := tempFile(t, "caps.jsonl")
	orig := delivery(0, "edit.me", `{"id":"evt_1","data":{"amount":2500}}`)
	orig.Headers = http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {"t=1,v1=abc"},
		"X-Tenant": {"acme"}, "X-Trace": {"t-1"}, "X-Kept": {"k"}}
	writeFile(t, path, orig)
	target := newSink(t)
	secret := signature.NewSecret(testSecret)
	now := time.Now()
	in := startInspector(t, Options{Target: target.URL, Secrets: []signature.Secret{secret},
		Redactor: signature.NewRedactor(nil, []signature.Secret{secret}), Now: func() time.Time { return now }}, path)

	b.run("open the page", chromedp.Navigate(in.srv.URL()))
	b.waitText("the list shows the delivery", "edit.me")
	b.clickText("open the delivery", "edit.me")
	b.waitText("the detail opens", "X-Tenant")
	// e, from the keyboard, opens the edit panel with a row per header.
	b.run("press e", chromedp.KeyEvent("e"))
	tenant := `#header-rows .hrow[data-orig="X-Tenant"] .h-value`
	b.run("the header rows are there", b.poll(`document.querySelector(`+js(tenant)+`) !== null`))
	if !b.evalBool("the signature's header is not editable",
		`document.querySelector('#header-rows .hrow[data-orig="Stripe-Signature"]') === null &&
		 Array.from(document.querySelectorAll("#header-rows .hrow.fixed")).some((r) => r.textContent.includes("Stripe-Signature") && r.textContent.includes("made anew"))`) {
		t.Errorf("the Stripe-Signature row is editable or does not say it is made anew")
	}

	b.run("edit the body", chromedp.SetValue(chromedp.ID("edit-body"), `{"id":"evt_1","data":{"amount":3000}}`))
	b.run("type a header value",
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+js(tenant)+`).value = "", undefined`),
		chromedp.SendKeys(chromedp.CSS(tenant), "globex"))
	// Remove X-Trace: its Remove button, focused, pressed with Enter.
	b.run("remove a header", chromedp.Focus(chromedp.CSS(`#header-rows .hrow[data-orig="X-Trace"] .h-remove`)), chromedp.KeyEvent("\r"))
	b.run("X-Trace is gone", b.poll(`document.querySelector('#header-rows .hrow[data-orig="X-Trace"]') === null`))
	// Add one: the button, then type the name, Tab, the value.
	b.run("add a header", chromedp.Focus(chromedp.ID("add-header")), chromedp.KeyEvent("\r"),
		b.poll(`document.activeElement !== null && document.activeElement.classList.contains("h-name")`),
		chromedp.KeyEvent("X-New"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("added 1"))

	b.run("preview", chromedp.Click(chromedp.ID("edit-preview")))
	b.waitText("the preview says what changes", "What would change", "X-Tenant", "acme", "globex", "X-Trace", "removed",
		"X-New", "added 1", "data.amount", "2500", "3000")
	if n := len(target.got()); n != 0 {
		t.Fatalf("the preview sent %d requests", n)
	}

	b.run("send", chromedp.Click(chromedp.ID("edit-send")))
	b.waitText("the result is shown", "Acknowledged", "re-signed")
	got := target.got()
	if len(got) != 1 {
		t.Fatalf("the sink got %d requests, want 1", len(got))
	}
	h := got[0].header
	if h.Get("X-Tenant") != "globex" || h.Get("X-Trace") != "" || h.Get("X-New") != "added 1" || h.Get("X-Kept") != "k" ||
		h.Get("Content-Type") != "application/json" {
		t.Errorf("the sink got headers %v", h)
	}
	if string(got[0].body) != `{"id":"evt_1","data":{"amount":3000}}` {
		t.Errorf("the sink got the body %s", got[0].body)
	}
	scheme, err := signature.Lookup("stripe", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Stripe-Signature") == "t=1,v1=abc" {
		t.Errorf("the old signature was sent")
	}
	v, err := signature.Verify(scheme, signature.Message{Header: h, Body: got[0].body}, []signature.Secret{secret},
		signature.VerifyOptions{Now: now, Tolerance: time.Minute})
	if err != nil || !v.Valid {
		t.Errorf("the resent delivery does not verify: %+v %v", v, err)
	}
}

// TestBrowserHARSelected selects two deliveries of three from the
// keyboard (j moves, x selects), downloads the HAR of the selection, and
// finds both in it, bodies byte-exact.
func TestBrowserHARSelected(t *testing.T) {
	b := newBrowser(t)

	path := tempFile(t, "caps.jsonl")
	bodies := []string{"{\"a\":  1.50e2 }\n", `{"b":"caf\u00e9 \u2603"}`, "{\"c\":12345678901234567890,\r\n\"d\":[]}"}
	var recs = deliveries(0, 0)
	for i, body := range bodies {
		recs = append(recs, delivery(i, "har.pick"+string(rune('A'+i)), body))
	}
	writeFile(t, path, recs...)
	in := startInspector(t, Options{}, path)

	dir := t.TempDir()
	done := make(chan string, 1)
	err := chromedp.ListenBrowser(b.ctx, func(ev any) {
		if p, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && p.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case done <- p.GUID:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b.run("open the page", chromedp.Navigate(in.srv.URL()))
	b.waitText("the list shows the deliveries", "har.pickA", "har.pickB", "har.pickC")
	enabled := true
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	_, err = chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &enabled})
	cancel()
	if err != nil {
		t.Fatal(err)
	}

	// Newest first: C, B, A. Select C and A.
	b.run("select two from the keyboard", chromedp.KeyEvent("j"), chromedp.KeyEvent("x"), chromedp.KeyEvent("j"),
		chromedp.KeyEvent("j"), chromedp.KeyEvent("x"))
	b.waitText("the link counts the selection", "Download HAR (2 selected)")
	b.clickText("download the selection", "Download HAR (2 selected)")
	var guid string
	select {
	case guid = <-done:
	case <-time.After(stepTimeout):
		t.Fatal("the download did not complete")
	}
	raw, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Entries []struct {
				Request struct {
					URL      string `json:"url"`
					PostData struct {
						Text     string `json:"text"`
						Encoding string `json:"encoding"`
					} `json:"postData"`
				} `json:"request"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(raw, &har); err != nil {
		t.Fatalf("the download is not a HAR: %v\n%s", err, raw)
	}
	var got []string
	for _, e := range har.Log.Entries {
		if e.Request.PostData.Encoding != "" {
			t.Errorf("postData encoding %q", e.Request.PostData.Encoding)
		}
		got = append(got, e.Request.PostData.Text)
	}
	if want := []string{bodies[2], bodies[0]}; strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("the HAR's bodies are %q, want %q", got, want)
	}
}

// TestBrowserJSONTreeKeepsNumbers: the tree shows numbers as they were
// sent: an integer beyond 2^53 is not rounded, an exponent keeps its form,
// and a repeated key is shown twice.
func TestBrowserJSONTreeKeepsNumbers(t *testing.T) {
	b := newBrowser(t)

	path := tempFile(t, "caps.jsonl")
	body := `{"amount": 12345678901234567890, "small": -9007199254740993, "f": 1.50e2, "s": "x\u00e9", "k": 1, "k": 2}`
	writeFile(t, path, delivery(0, "big.number", body))
	in := startInspector(t, Options{}, path)

	b.run("open the page", chromedp.Navigate(in.srv.URL()))
	b.clickText("open the delivery", "big.number")
	b.run("the tree is drawn", b.poll(`document.querySelector(".tree") !== null`))
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	leaves, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".tree .j-leaf")).map((l) => l.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`amount: 12345678901234567890`, `small: -9007199254740993`, `f: 1.50e2`, `s: "xé"`, `k: 1`, `k: 2`}
	var keys []string
	for _, l := range leaves {
		keys = append(keys, strings.ReplaceAll(l, `"`, ""))
	}
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], `"`, "")
	}
	if strings.Join(keys, "|") != strings.Join(want, "|") {
		t.Errorf("the tree's leaves are %q, want %q", leaves, want)
	}

	// What a preview says changed shows the numbers as written too.
	b.run("press e", chromedp.KeyEvent("e"))
	b.run("edit the amount", chromedp.SetValue(chromedp.ID("edit-body"), strings.Replace(body, "12345678901234567890", "12345678901234567891", 1)))
	b.run("preview", chromedp.Click(chromedp.ID("edit-preview")))
	b.waitText("the preview shows the numbers as written", "What would change", "amount", "12345678901234567890", "12345678901234567891")
}
