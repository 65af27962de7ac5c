package inspect

// The inspector's actions in a real Chromium, as a user does them: the
// listener engine verifies and saves signed Aella deliveries that a test
// sends as `hooktool trigger` does, the inspector serves the file it saves
// to with the actions `listen --ui` gives it, and the page is driven with
// mouse clicks and typed text. Each result is checked where it lands: the
// raw bytes a loopback sink received, the signature verified with the
// signature package, the HAR file the browser downloaded.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	deliv "github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/listener"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/signature"
)

// aellaSecret is the webhook secret of the test's Aella account: the
// listener verifies with it and the inspector re-signs with it.
const aellaSecret = "aella_sk_test_4f1c2b9e7d"

// aellaRig is `listen --provider aella --secret S --save FILE
// --forward-to APP --ui` put together from its engines: the listener
// handler on loopback, saving to a capture file and forwarding to an app;
// the inspector over that file, whose replays go to the app unless the
// page names another URL, re-sign with the secret, and are saved to the
// same file.
type aellaRig struct {
	t        *testing.T
	provider *catalog.Provider
	scheme   signature.Scheme
	secret   signature.Secret
	path     string
	listener *httptest.Server
	client   *deliv.Client
	in       *inspector
}

func newAellaRig(t *testing.T) *aellaRig {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	p := cat.Provider("aella")
	if p == nil {
		t.Fatal("the catalog has no aella provider")
	}
	scheme, err := signature.Lookup(p.Signing.Scheme, p.Signing.Options())
	if err != nil {
		t.Fatal(err)
	}
	secret := signature.NewSecret(aellaSecret)
	secrets := []signature.Secret{secret}
	path := tempFile(t, "aella.jsonl")
	store, err := capture.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })

	app := newSink(t)
	appURL, _ := url.Parse(app.URL)
	client := deliv.New(deliv.Options{Timeout: 10 * time.Second, UserAgent: "hooktool/test"})
	fw, err := listener.NewForwarder(appURL, httpx.PathReplace, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := listener.New(listener.Options{
		Scheme: scheme, Secrets: secrets, Provider: p.ID, EventPath: p.EventPath, EventIDPath: p.EventIDPath,
		Store: store, Forward: fw,
	})
	if err != nil {
		t.Fatal(err)
	}
	ls := httptest.NewServer(h)
	t.Cleanup(ls.Close)

	schemes := replay.NewSchemes(replay.SchemeOptions{
		Configured: scheme,
		ProviderScheme: func(id string) (signature.Scheme, error) {
			q := cat.Provider(id)
			if q == nil || q.Signing.Scheme == "" {
				return nil, nil
			}
			return signature.Lookup(q.Signing.Scheme, q.Signing.Options())
		},
	})
	in := startInspector(t, Options{
		Redactor: signature.NewRedactor(scheme, secrets), Target: app.URL, Secrets: secrets, Schemes: schemes,
		Client: client, Store: store,
	}, path)
	return &aellaRig{t: t, provider: p, scheme: scheme, secret: secret, path: path, listener: ls, client: client, in: in}
}

// trigger sends one Aella event as `hooktool trigger aella EVENT --set
// ...` does: its sample rendered now, the edits made, signed with secret,
// POSTed to the listener. It returns the record the listener kept.
func (r *aellaRig) trigger(event string, secret signature.Secret, sets ...string) *capture.Record {
	r.t.Helper()
	ev := r.provider.Event(event)
	if ev == nil {
		r.t.Fatalf("aella has no event %s", event)
	}
	body, err := ev.Render(time.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	var edits []catalog.Edit
	for _, s := range sets {
		e, err := catalog.ParseSet(s, false)
		if err != nil {
			r.t.Fatal(err)
		}
		edits = append(edits, e)
	}
	if body, err = catalog.Apply(body, edits); err != nil {
		r.t.Fatal(err)
	}
	signer, err := signature.NewSigner(r.scheme, secret)
	if err != nil {
		r.t.Fatal(err)
	}
	target := r.listener.URL + "/webhooks/aella"
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	atts := r.client.Send(ctx, deliv.Request{
		Method: http.MethodPost, URL: target, Body: body,
		Header: http.Header{"Content-Type": {r.provider.ContentType}},
		Sign:   signer.PerAttempt(body, "", target, time.Now),
	})
	if a := atts[len(atts)-1]; !a.Acknowledged() {
		r.t.Fatalf("the listener did not take %s: %d %v", event, a.Status, a.Err)
	}
	// The listener answers once the record is written.
	recs := r.records()
	rec := recs[len(recs)-1]
	if b, _ := rec.Bytes(); string(b) != string(body) {
		r.t.Fatalf("the last record is not the %s sent: %q", event, b)
	}
	return rec
}

// records reads the capture file.
func (r *aellaRig) records() []*capture.Record {
	r.t.Helper()
	var out []*capture.Record
	err := capture.ReadFile(r.path, capture.ReadOptions{}, func(rec *capture.Record, _ int) error {
		out = append(out, rec)
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// record is the record of the capture file with this id.
func (r *aellaRig) record(id string) *capture.Record {
	r.t.Helper()
	for _, rec := range r.records() {
		if rec.ID == id {
			return rec
		}
	}
	r.t.Fatalf("the capture file has no record %s", id)
	return nil
}

// bodyOf is rec's body's bytes.
func bodyOf(t *testing.T, rec *capture.Record) []byte {
	t.Helper()
	b, err := rec.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verifies checks a request a sink received against the Aella scheme and
// secrets: true when it verifies.
func (r *aellaRig) verifies(got sunk, secrets ...signature.Secret) bool {
	r.t.Helper()
	v, err := signature.Verify(r.scheme, signature.Message{Header: got.header, Body: got.body}, secrets,
		signature.VerifyOptions{Now: time.Now()})
	if err != nil {
		r.t.Fatal(err)
	}
	return v.Valid
}

// rowCells are the texts of the list's rows' cells, top (newest) first,
// but for the selection's checkbox.
func rowCells(b *browser) [][]string {
	b.t.Helper()
	return evalJSON[[][]string](b, "read the list",
		`Array.from(document.querySelectorAll("#rows tr")).map((tr) => Array.from(tr.cells).filter((td) => !td.classList.contains("pick")).map((td) => td.innerText.trim()))`)
}

// tableRows are the texts of the cells (th and td) of the rows of the
// tables sel selects.
func tableRows(b *browser, sel string) [][]string {
	b.t.Helper()
	return evalJSON[[][]string](b, "read "+sel, `Array.from(document.querySelectorAll(`+js(sel+" tr")+`)).map((tr) =>
		Array.from(tr.cells).map((c) => c.innerText))`)
}

// rowWith is the first row whose first cell is first.
func rowWith(rows [][]string, first string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == first {
			return r
		}
	}
	return nil
}

// actionResult waits for the result of a replay or resend that recorded a
// delivery other than prev, and returns the result's text and the id it
// was recorded as.
func actionResult(b *browser, what, prev string) (text, recorded string) {
	b.t.Helper()
	const link = `document.querySelector("#action-out .result button.link")`
	b.run(what, b.poll(link+` !== null && `+link+`.textContent !== `+js(prev)))
	return evalJSON[string](b, what, `document.querySelector("#action-out").innerText`),
		evalJSON[string](b, what, link+`.textContent`)
}

// harDoc is what a test reads of a HAR document.
type harDoc struct {
	Log struct {
		Version string `json:"version"`
		Creator struct {
			Name string `json:"name"`
		} `json:"creator"`
		Entries []struct {
			Request struct {
				Method   string `json:"method"`
				URL      string `json:"url"`
				BodySize int    `json:"bodySize"`
				PostData *struct {
					MimeType string `json:"mimeType"`
					Text     string `json:"text"`
					Encoding string `json:"encoding"`
				} `json:"postData"`
			} `json:"request"`
			Hooktool struct {
				ID      string `json:"id"`
				Event   string `json:"event"`
				Verdict string `json:"verdict"`
			} `json:"_hooktool"`
		} `json:"entries"`
	} `json:"log"`
}

func parseHAR(t *testing.T, what string, data []byte) harDoc {
	t.Helper()
	var h harDoc
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, data)
	}
	if h.Log.Version != "1.2" || h.Log.Creator.Name != "hooktool" {
		t.Errorf("%s: log version %q creator %q, want a HAR 1.2 log made by hooktool", what, h.Log.Version, h.Log.Creator.Name)
	}
	return h
}

// checkHAREntries checks that the HAR's entries are recs (newest first)
// with their bodies byte for byte.
func checkHAREntries(t *testing.T, what string, h harDoc, recs []*capture.Record) {
	t.Helper()
	if len(h.Log.Entries) != len(recs) {
		t.Fatalf("%s has %d entries, want %d", what, len(h.Log.Entries), len(recs))
	}
	for i, e := range h.Log.Entries {
		rec := recs[len(recs)-1-i]
		body := bodyOf(t, rec)
		if e.Hooktool.ID != rec.ID || e.Request.Method != rec.Method || !strings.HasSuffix(e.Request.URL, rec.Path) {
			t.Errorf("%s entry %d: %s %s %s, want %s %s %s", what, i, e.Hooktool.ID, e.Request.Method, e.Request.URL, rec.ID, rec.Method, rec.Path)
		}
		if e.Request.PostData == nil || e.Request.PostData.Encoding != "" || e.Request.PostData.Text != string(body) || e.Request.BodySize != len(body) {
			t.Errorf("%s entry %d (%s): postData %+v bodySize %d, want the body as received:\n%s", what, i, rec.ID, e.Request.PostData, e.Request.BodySize, body)
		}
	}
}

// aellaEvents are the Aella events sent for a realistic list, after the
// first (transfer.completed); the one named badSigned is signed with a
// wrong secret.
var aellaEvents = []string{"inwards.completed", "mandate.created", "mandate.confirmed", "mandate.debit.initiated",
	"mandate.debit.successful", "transfer.failed", "mandate.debit.failed"}

const badSigned = "mandate.debit.failed"

// TestBrowserActions does each of the inspector's actions in Chromium,
// from a delivery arriving to its HAR, and takes the screenshots kept in
// docs/ (the list, the detail, the diff).
func TestBrowserActions(t *testing.T) {
	b := newBrowser(t)
	r := newAellaRig(t)
	sink := newSink(t) // the URL typed into the page's "to"

	b.run("open the page", chromedp.Navigate(r.in.srv.URL()))
	b.waitText("the empty list", "No deliveries yet")

	// A signed delivery arrives, and shows in the list without a reload,
	// verified.
	orig := r.trigger("transfer.completed", r.secret, "data.amount=2500")
	if orig.Verdict == nil || !orig.Verdict.Valid {
		t.Fatalf("the listener's verdict on the delivery: %+v", orig.Verdict)
	}
	origBody := bodyOf(t, orig)
	b.waitText("the delivery appears live", "transfer.completed")
	rows := rowCells(b)
	if len(rows) != 1 || len(rows[0]) != 8 {
		t.Fatalf("the list: %q, want one row of 8 cells", rows)
	}
	if row := rows[0]; row[1] != "POST" || row[2] != "/webhooks/aella" || row[3] != "transfer.completed" || row[4] != "valid" ||
		row[6] != "202" || !strings.HasPrefix(row[7], "202 · ") {
		t.Errorf("the delivery's row: %q, want POST /webhooks/aella transfer.completed valid, answered 202, the app's 202", row)
	}

	// More of Aella's events, one signed with a wrong secret.
	for _, ev := range aellaEvents {
		secret := r.secret
		if ev == badSigned {
			secret = signature.NewSecret("aella_sk_test_wrong")
		}
		r.trigger(ev, secret)
	}
	b.waitText("every delivery is listed", aellaEvents...)
	b.waitTextIn("the count follows the live deliveries", "#status", fmt.Sprintf("%d deliveries indexed", 1+len(aellaEvents)))
	rows = rowCells(b)
	if len(rows) != 1+len(aellaEvents) {
		t.Fatalf("the list has %d rows, want %d: %q", len(rows), 1+len(aellaEvents), rows)
	}
	if rows[0][3] != badSigned || rows[0][4] == "valid" || rows[0][4] == "" {
		t.Errorf("the newest row %q: want %s with the reason its signature is invalid", rows[0], badSigned)
	}
	b.run("the live rows' highlight fades", b.poll(`document.querySelector("#rows tr.new") === null`))
	b.screenshot("inspector-list.png")

	// The detail: the verdict and the body as a JSON tree beside its raw
	// text.
	b.clickText("open the delivery", "transfer.completed")
	b.waitTextIn("the detail shows the delivery", "#view", orig.ID, "Signature", "X-Aella-Signature", "Forwarded to the app")
	if v := evalJSON[string](b, "read the verdict", `document.querySelector("#view .badge").innerText`); v != "valid" {
		t.Errorf("the verdict shown is %q, want valid", v)
	}
	// The secret that matched is the first (signature.Verdict.SecretIndex
	// counts from 1).
	kv := evalJSON[map[string]string](b, "read the verdict's fields", `(() => {
		const out = {};
		for (const dt of document.querySelectorAll("#view section.part dl.kv dt")) out[dt.innerText] = dt.nextElementSibling.innerText;
		return out;
	})()`)
	if kv["scheme"] != "hmac" || kv["reason"] != "valid" || kv["header"] != "X-Aella-Signature" || kv["secret"] != "#1" {
		t.Errorf("the verdict's fields: %q, want scheme hmac, reason valid, header X-Aella-Signature, secret #1 (the only one)", kv)
	}
	tree := evalJSON[string](b, "read the tree", `document.querySelector("#view .tree").innerText`)
	for _, want := range []string{`"event": "transfer.completed"`, `"data": {`, `"amount": 2500`, `"currency": "NGN"`, `"sessionId": null`} {
		if !strings.Contains(tree, want) {
			t.Errorf("the JSON tree lacks %s:\n%s", want, tree)
		}
	}
	if n := evalJSON[int](b, "count the tree's branches", `document.querySelectorAll("#view .tree details").length`); n != 2 {
		t.Errorf("the tree has %d collapsible branches, want 2 (the document, data)", n)
	}
	if raw := evalJSON[string](b, "read the raw body", `document.querySelector("#view pre.raw").textContent`); raw != string(origBody) {
		t.Errorf("the raw body shown:\n%s\nwant the bytes received:\n%s", raw, origBody)
	}
	b.screenshot("inspector-detail.png")

	// Replay, byte-exact, to a URL typed in: the sink gets the captured
	// bytes and the captured signature.
	b.click("open Replay", "#open-replay")
	b.run("type the sink's URL", chromedp.SendKeys(chromedp.CSS("#replay-to"), sink.URL))
	b.click("send the replay", "#replay-send")
	text, exact := actionResult(b, "the byte-exact replay's result", "")
	for _, want := range []string{"Acknowledged · 202", "byte-exact", sink.URL} {
		if !strings.Contains(text, want) {
			t.Errorf("the replay's result lacks %q:\n%s", want, text)
		}
	}
	got := sink.got()
	if len(got) != 1 {
		t.Fatalf("the sink got %d requests, want 1", len(got))
	}
	if string(got[0].body) != string(origBody) || got[0].method != "POST" || got[0].uri != "/webhooks/aella" {
		t.Errorf("the sink got %s %s\n%q\nwant the capture's bytes:\n%q", got[0].method, got[0].uri, got[0].body, origBody)
	}
	if sig, want := got[0].header.Get("X-Aella-Signature"), orig.Headers.Get("X-Aella-Signature"); sig != want || sig == "" {
		t.Errorf("X-Aella-Signature %q, want the captured %q", sig, want)
	}
	if rec := r.record(exact); rec.ReplayOf != orig.ID || string(bodyOf(t, rec)) != string(origBody) {
		t.Errorf("the replay was recorded as %+v, want replay_of %s", rec, orig.ID)
	}

	// Replay, re-signed: the same bytes, a signature that verifies with
	// the secret.
	b.click("choose re-signed", "#mode-resign")
	b.click("send the re-signed replay", "#replay-send")
	text, resigned := actionResult(b, "the re-signed replay's result", exact)
	if !strings.Contains(text, "Acknowledged · 202") || !strings.Contains(text, "re-signed") {
		t.Errorf("the re-signed replay's result:\n%s", text)
	}
	got = sink.got()
	if len(got) != 2 {
		t.Fatalf("the sink got %d requests, want 2", len(got))
	}
	if string(got[1].body) != string(origBody) {
		t.Errorf("the re-signed replay's body:\n%q\nwant the capture's bytes:\n%q", got[1].body, origBody)
	}
	if !r.verifies(got[1], r.secret) {
		t.Errorf("the re-signed replay does not verify with the secret: %v", got[1].header)
	}
	if rec := r.record(resigned); rec.ReplayOf != orig.ID {
		t.Errorf("the re-signed replay was recorded as %+v, want replay_of %s", rec, orig.ID)
	}

	// Edit and resend: the body's amount changed in the editor; the
	// preview shows the change and sends nothing; the send is re-signed.
	b.click("open Edit and resend", "#open-edit")
	if v := evalJSON[string](b, "read the editor", `document.querySelector("#edit-body").value`); v != string(origBody) {
		t.Fatalf("the editor holds:\n%s\nwant the body:\n%s", v, origBody)
	}
	edited := strings.Replace(string(origBody), `"amount": 2500`, `"amount": 3000`, 1)
	if edited == string(origBody) {
		t.Fatalf(`the body has no "amount": 2500:\n%s`, origBody)
	}
	b.run("edit the amount", chromedp.SetValue(chromedp.CSS("#edit-body"), edited))
	b.run("type the sink's URL", chromedp.SendKeys(chromedp.CSS("#edit-to"), sink.URL))
	b.click("preview the changes", "#edit-preview")
	b.waitTextIn("the preview", "#action-out", "What would change (nothing sent)")
	changes := tableRows(b, "#action-out table.diff")
	if len(changes) != 1 || len(changes[0]) != 4 || changes[0][0] != "data.amount" || changes[0][2] != "2500" || changes[0][3] != "3000" {
		t.Errorf("the preview's changes: %q, want data.amount 2500 → 3000 only", changes)
	}
	if n := len(sink.got()); n != 2 {
		t.Fatalf("the preview sent: the sink has %d requests, want 2", n)
	}
	b.click("send the edited delivery", "#edit-send")
	text, resent := actionResult(b, "the resend's result", resigned)
	if !strings.Contains(text, "Acknowledged · 202") || !strings.Contains(text, "re-signed") {
		t.Errorf("the resend's result:\n%s", text)
	}
	got = sink.got()
	if len(got) != 3 {
		t.Fatalf("the sink got %d requests, want 3", len(got))
	}
	if string(got[2].body) != edited {
		t.Errorf("the resent body:\n%q\nwant the edited text:\n%q", got[2].body, edited)
	}
	if !r.verifies(got[2], r.secret) {
		t.Errorf("the resent delivery does not verify with the secret: %v", got[2].header)
	}
	if r.verifies(got[2], signature.NewSecret("aella_sk_test_wrong")) {
		t.Errorf("the resent delivery verifies with another secret")
	}
	if rec := r.record(resent); rec.ReplayOf != orig.ID || string(bodyOf(t, rec)) != edited {
		t.Errorf("the resend was recorded as %+v, want replay_of %s with the edited body", rec, orig.ID)
	}

	// HAR of the delivery shown, and of all the list shows, as the
	// browser downloads them.
	one := parseHAR(t, "the delivery's HAR", b.download("download the delivery's HAR", "#har-one"))
	checkHAREntries(t, "the delivery's HAR", one, []*capture.Record{orig})
	// All shown: the three sent again are listed (live) first.
	b.waitTextIn("the replays are listed", "#status", fmt.Sprintf("%d deliveries indexed", len(r.records())))
	// The three sent again are listed as such: "sent" (no one checked
	// them on receipt: re-signed, they are not "unsigned"), no answer
	// given to them (nothing received them), the target's answer is the
	// app's.
	for i, row := range rowCells(b)[:3] {
		if row[3] != "transfer.completed" || row[4] != "sent" || row[6] != "" || !strings.HasPrefix(row[7], "202 · ") {
			t.Errorf("row %d, a replay: %q, want transfer.completed, sent, no answer, the target's 202", i, row)
		}
	}
	all := parseHAR(t, "the HAR of all shown", b.download("download the HAR of all shown", "#har-all"))
	checkHAREntries(t, "the HAR of all shown", all, r.records())

	// Diff: the original, marked, with its edited resend, opened from the
	// resend's result.
	b.click("mark the delivery", "#mark")
	b.waitText("the delivery is marked", "marked: POST /webhooks/aella transfer.completed ("+orig.ID+")")
	b.click("open the recorded resend", "#action-out .result button.link")
	b.waitTextIn("the resend's detail", "#view", resent, "replay of")
	if b.evalBool("look for an answer", `Array.from(document.querySelectorAll("#view > dl.kv dt")).some((dt) => dt.innerText === "answer")`) {
		t.Errorf("the resend's detail shows an answer: %q", evalJSON[string](b, "read the detail", `document.querySelector("#view > dl.kv").innerText`))
	}
	b.click("diff with the marked", "#open-diff")
	b.waitTextIn("the diff", "#action-out", "Different", "− POST /webhooks/aella · transfer.completed · "+orig.ID,
		"+ POST /webhooks/aella · transfer.completed · "+resent)
	body := tableRows(b, "#action-out .result > div:last-child table.diff")
	if len(body) != 1 || len(body[0]) != 4 || body[0][0] != "data.amount" || body[0][2] != "2500" || body[0][3] != "3000" {
		t.Errorf("the body's diff: %q, want the one line data.amount 2500 → 3000", body)
	}
	if sig := rowWith(tableRows(b, "#action-out .result > table.diff"), "X-Aella-Signature"); sig == nil {
		t.Errorf("the headers' diff lacks the new X-Aella-Signature: %q", tableRows(b, "#action-out table.diff"))
	}
	// Each change's kind (changed, added, removed) reads as a word on one
	// line, however long the values beside it.
	broken := evalJSON[[]string](b, "measure the kinds", `Array.from(document.querySelectorAll("#action-out table.diff tr > td:nth-child(2)"))
		.filter((td) => { const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length !== 1; })
		.map((td) => td.innerText)`)
	if len(broken) > 0 {
		t.Errorf("the diff's kinds %q are broken over lines", broken)
	}
	b.screenshot("inspector-diff.png")
}

// TestBrowserKeyboard does the actions with the keyboard only, as the
// page's Keys list says: j/k move, Enter opens, m marks, d diffs with the
// marked one, r opens Replay (its form used with Tab, typing and Enter),
// e opens the editor, Esc closes.
func TestBrowserKeyboard(t *testing.T) {
	b := newBrowser(t)
	path := tempFile(t, "keys.jsonl")
	older := delivery(0, "charge.succeeded", `{"id":"evt_1","data":{"amount":2500}}`)
	newer := delivery(1, "charge.succeeded", `{"id":"evt_1","data":{"amount":3000}}`)
	writeFile(t, path, older, newer)
	sink := newSink(t)
	in := startInspector(t, Options{}, path)
	focused := func() string {
		t.Helper()
		return evalJSON[string](b, "read the focus", `document.activeElement ? document.activeElement.id || document.activeElement.tagName : ""`)
	}

	const enter, escape, tab = '\r', '\u001b', '\t' // as package kb names them
	b.run("open the page", chromedp.Navigate(in.srv.URL()))
	b.waitTextIn("the list", "#status", "2 deliveries indexed")

	// j selects the newest, Enter opens it, m marks it, Esc goes back to
	// the list.
	b.key("j", 'j')
	b.key("Enter", enter)
	b.waitTextIn("the newer delivery opens", "#view", newer.ID)
	b.key("m", 'm')
	b.waitTextIn("the newer is marked", "#marked", newer.ID)
	b.key("Esc", escape)
	b.run("the detail closes", b.poll(`document.querySelector("#detail").hidden`))
	if f := focused(); f != "TR" {
		t.Errorf("after Esc the focus is on %s, want the row", f)
	}

	// j moves to the older; d diffs it with the marked one.
	b.key("j", 'j')
	b.key("d", 'd')
	b.waitTextIn("the diff", "#action-out", "Different", "− POST /hooks/stripe · charge.succeeded · "+newer.ID,
		"+ POST /hooks/stripe · charge.succeeded · "+older.ID)
	changes := tableRows(b, "#action-out .result > div:last-child table.diff")
	if len(changes) != 1 || changes[0][0] != "data.amount" || changes[0][2] != "3000" || changes[0][3] != "2500" {
		t.Errorf("the diff's body: %q, want data.amount 3000 → 2500", changes)
	}

	// r opens Replay on its Send button; Shift+Tab reaches "to", Enter
	// sends.
	b.key("r", 'r')
	b.run("the replay form opens", b.poll(`!document.querySelector("#replay-form").hidden`))
	if f := focused(); f != "replay-send" {
		t.Errorf("r put the focus on %s, want the replay's Send", f)
	}
	b.key("Shift+Tab", tab, chromedp.ModifierShift)
	if f := focused(); f != "replay-to" {
		t.Fatalf("Shift+Tab from Send reached %s, want the replay's to", f)
	}
	b.run("type the sink's URL", chromedp.KeyEvent(sink.URL))
	b.key("Enter", enter)
	b.waitTextIn("the replay's result", "#action-out", "Acknowledged · 202", "byte-exact")
	if got := sink.got(); len(got) != 1 || string(got[0].body) != older.Body {
		t.Errorf("the sink got %+v, want the older delivery's body", got)
	}

	// Esc closes the panel, e opens the editor with the body.
	b.key("Esc", escape)
	b.run("the panel closes", b.poll(`document.querySelector("#panel").hidden`))
	// The focus leaves the hidden form, else the next key is typed into
	// it (nowhere) instead of being a shortcut.
	if f := focused(); f != "close" {
		t.Errorf("after Esc closed the panel the focus is on %s, want the detail's Close", f)
	}
	b.key("e", 'e')
	b.run("the editor opens", b.poll(`!document.querySelector("#edit-form").hidden`))
	if f := focused(); f != "edit-body" {
		t.Errorf("e put the focus on %s, want the editor", f)
	}
	if v := evalJSON[string](b, "read the editor", `document.querySelector("#edit-body").value`); v != older.Body {
		t.Errorf("the editor holds %q, want %q", v, older.Body)
	}
	// Esc in the editor closes the panel, then the detail.
	b.key("Esc", escape)
	b.key("Esc", escape)
	b.run("the detail closes", b.poll(`document.querySelector("#detail").hidden`))
}
