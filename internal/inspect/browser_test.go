package inspect

// Browser tests: the page in a real headless Chromium, driven through the
// DevTools protocol by chromedp. The machinery (finding Chromium, its
// flags, the watch for dialogs and script errors, bounded waits on DOM
// conditions) is here; page-specific steps go in the tests that use it.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// updateScreenshots makes the browser tests write their screenshots to
// docs/ (go test ./internal/inspect -run TestBrowser -update-screenshots).
var updateScreenshots = flag.Bool("update-screenshots", false, "write the browser tests' screenshots to docs/")

// stepTimeout bounds each wait of a browser test; browserLife the whole
// browser's (start, every step, shutdown).
const (
	stepTimeout = 30 * time.Second
	browserLife = 4 * time.Minute
)

// The viewport every browser test runs in (and the screenshots' size):
// the size the issue says the page must be usable at.
const viewWidth, viewHeight = 1280, 800

// Hostile strings a delivery may carry: rendered as text they are
// harmless; as HTML or as a link each would open a dialog.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileImg    = `<img src=x onerror=alert(2)>`
	hostileLink   = `javascript:alert(3)`
)

// chromiumPath is the Chromium to drive. Without one the test is skipped
// with a message, except under CI (CI set), where it fails: CI installs
// Chromium (.ci/run) and must never skip the browser tests silently.
func chromiumPath(t *testing.T) string {
	t.Helper()
	names := []string{"chromium", "chromium-browser", "google-chrome"}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium found on PATH (looked for %s); install Debian's chromium to run the browser tests",
		strings.Join(names, ", "))
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set: the browser tests may not be skipped)")
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium with one tab. It records every
// JavaScript dialog the page opens and every exception or console error
// it reports; Close fails the test on any.
type browser struct {
	t   *testing.T
	ctx context.Context // the tab's

	mu       sync.Mutex
	problems []string
}

// newBrowser starts Chromium; it is closed at the test's cleanup, which
// fails the test if the page opened a dialog or reported an error.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root with its sandbox (root in a
		// container, as in CI); only then is it turned off.
		opts = append(opts, chromedp.NoSandbox)
	}
	// The whole browser's life is bounded too: start, steps, shutdown.
	root, cancelRoot := context.WithTimeout(context.Background(), browserLife)
	alloc, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	b := &browser{t: t, ctx: ctx}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelRoot()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Error(p)
		}
	})
	// Listen starts Chromium and opens the tab (bounded by root).
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			b.problem("a JavaScript %s dialog opened: %q", ev.Type, ev.Message)
			// Dismiss it, or the page stays blocked until the timeout
			// (not from here: the listener may not send a command).
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text += " " + d.Exception.Description
			}
			b.problem("exception in the page: %s (%s:%d)", text, d.URL, d.LineNumber)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.problem("console.%s in the page: %s", ev.Type, strings.Join(args, " "))
			}
		case *cdplog.EventEntryAdded:
			// The browser's own errors: a Content-Security-Policy
			// violation (an inline handler or script the policy
			// stopped), a failed load (the page declares its icon, so
			// the browser asks for no /favicon.ico of its own).
			e := ev.Entry
			if e.Level == cdplog.EntryLevelError {
				b.problem("the browser logged an error (%s): %s %s", e.Source, e.Text, e.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b.run("set the viewport", chromedp.EmulateViewport(viewWidth, viewHeight))
	return b
}

func (b *browser) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// run runs actions within stepTimeout; what names the step in a failure.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// js is a JavaScript string literal of s.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// waitText waits until the page's text (document.body.innerText) holds
// every one of texts.
func (b *browser) waitText(what string, texts ...string) {
	b.t.Helper()
	b.waitTextIn(what, "body", texts...)
}

// waitTextIn waits until the text (innerText) of the element sel (a CSS
// selector) holds every one of texts.
func (b *browser) waitTextIn(what, sel string, texts ...string) {
	b.t.Helper()
	list, _ := json.Marshal(texts)
	node := `document.querySelector(` + js(sel) + `)`
	cond := fmt.Sprintf(`%s !== null && %s.every((s) => %s.innerText.includes(s))`, node, list, node)
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	err := chromedp.Do(ctx, b.poll(cond))
	if err == nil {
		return
	}
	// Say which are missing, and what the element shows instead.
	ctx, cancel = context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	missing, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`%s === null ? %s : %s.filter((s) => !%s.innerText.includes(s))`, node, list, list, node)))
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`%s === null ? "" : %s.innerText`, node, node)))
	if len(text) > 2000 {
		text = text[:2000] + "..."
	}
	b.t.Fatalf("%s: %v; not in the text of %s: %q; its text:\n%s", what, err, sel, missing, text)
}

// clickText clicks the innermost visible element whose text holds text
// (a row of the list, say), as a user would.
func (b *browser) clickText(what, text string) {
	b.t.Helper()
	find := fmt.Sprintf(`(() => {
		let found = null;
		for (const el of document.body.querySelectorAll("*")) {
			if (el.offsetParent !== null && el.textContent.includes(%s)) found = el;
		}
		return found;
	})()`, js(text))
	// A real mouse click at the element's centre, not el.click().
	b.run(what, b.poll(find+` !== null`), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		box, err := chromedp.Evaluate[[]float64](`(() => { const el = `+find+`; el.scrollIntoView();
			const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)(ctx, tg)
		if err != nil {
			return err
		}
		_, err = chromedp.MouseClickXY(box[0], box[1])(ctx, tg)
		return err
	}))
}

// poll waits until the JavaScript expression cond is true, within
// stepTimeout.
func (b *browser) poll(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(stepTimeout))
}

// evalBool evaluates a JavaScript expression that answers true or false.
func (b *browser) evalBool(what, expr string) bool {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// click clicks the visible element sel (a CSS selector) with a real
// mouse click at its centre, waiting for it to be visible.
func (b *browser) click(what, sel string) {
	b.t.Helper()
	b.run(what, chromedp.Click(chromedp.CSS(sel)))
}

// key presses one key as a keyboard does: a keyDown that carries the
// key's text, so that a handler's preventDefault stops the typing as it
// does for real keys, then a keyUp. (chromedp.KeyEvent sends the text as
// a char event of its own, which no keydown handler can stop: a shortcut
// that moves the focus to a text box would see its letter typed there.)
func (b *browser) key(what string, r rune, mods ...chromedp.Modifier) {
	b.t.Helper()
	k, ok := kb.Keys[r]
	if !ok {
		b.t.Fatalf("%s: no key for %q", what, r)
	}
	down := input.DispatchKeyEventParams{Type: kb.KeyDown, Key: k.Key, Code: k.Code,
		WindowsVirtualKeyCode: k.Windows, NativeVirtualKeyCode: k.Native}
	if k.Print {
		down.Text, down.UnmodifiedText = k.Text, k.Unmodified
	}
	for _, m := range mods {
		down.Modifiers |= int64(m)
	}
	up := down
	up.Type, up.Text, up.UnmodifiedText = kb.KeyUp, "", ""
	b.run(what, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, up)
		return err
	}))
}

// evalJSON evaluates a JavaScript expression and decodes its value into T.
func evalJSON[T any](b *browser, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot takes the viewport as a PNG and checks it is one of
// viewWidth×viewHeight; with -update-screenshots it is written to
// docs/name (the README shows them; docs/README.md says how to make them).
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	data, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		b.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if cfg.Width != viewWidth || cfg.Height != viewHeight {
		b.t.Errorf("screenshot %s is %d×%d, want %d×%d", name, cfg.Width, cfg.Height, viewWidth, viewHeight)
	}
	if *updateScreenshots {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", name), data, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// download clicks the link sel as a user would and returns the file the
// browser saved (into a directory of the test's).
func (b *browser) download(what, sel string) []byte {
	b.t.Helper()
	dir := b.t.TempDir()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
		})
		return err
	}), chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("%s: waiting for the download: %v", what, err)
		}
		switch ev.State {
		case cdpbrowser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				b.t.Fatalf("%s: %v", what, err)
			}
			return data
		case cdpbrowser.DownloadProgressStateCanceled:
			b.t.Fatalf("%s: the browser canceled the download", what)
		}
	}
	b.t.Fatalf("%s: no download completed", what)
	return nil
}

// TestBrowserPage opens the inspector in Chromium over a capture file
// with ordinary deliveries and a hostile one: the list shows them, a new
// delivery appears live, a detail opens, and the hostile strings are only
// ever text: no dialog, no element made of them, no error in the page.
func TestBrowserPage(t *testing.T) {
	b := newBrowser(t)

	path := tempFile(t, "caps.jsonl")
	recs := deliveries(0, 3)
	for i, r := range recs {
		r.Event = fmt.Sprintf("ordinary.event%d", i)
	}
	hostile := delivery(3, "evil."+hostileImg, fmt.Sprintf(`{"script":%s,"img":%s,"link":%s,"mark":"body-mark-%d"}`,
		js(hostileScript), js(hostileImg), js(hostileLink), 3))
	hostile.Path = "/hooks/" + hostileScript
	hostile.Headers.Set("X-Hostile", hostileImg+" "+hostileLink+" header-mark")
	hostile.Headers.Set("Referer", hostileLink)
	writeFile(t, path, append(recs, hostile)...)
	in := startInspector(t, Options{}, path)

	b.run("open the page", chromedp.Navigate(in.srv.URL()))
	b.waitText("the list shows the deliveries",
		"ordinary.event0", "ordinary.event1", "ordinary.event2", "evil."+hostileImg, hostileScript)

	// A delivery appended to the file appears without a reload.
	live := delivery(4, "live.appended", amountBody(4))
	appendRaw(t, path, line(t, live))
	b.waitText("the appended delivery appears live", "live.appended")

	// The hostile delivery's detail: its header is in no list.
	b.clickText("open the hostile delivery", "evil."+hostileImg)
	b.waitText("the detail shows the hostile delivery's header", "header-mark", hostileLink)

	// The hostile strings are text, and nothing was made of them.
	if !b.evalBool("read the page's text", `document.body.innerText.includes(`+js(hostileScript)+`)`) {
		t.Errorf("the page's text does not hold %s literally", hostileScript)
	}
	for _, sel := range []string{`img[src="x"]`, `img[onerror]`, `[href^="javascript:" i]`, `[src^="javascript:" i]`} {
		if b.evalBool("look for "+sel, `document.querySelector(`+js(sel)+`) !== null`) {
			t.Errorf("the page has an element %s made of a delivery's content", sel)
		}
	}
	if b.evalBool("look for scripts", `Array.from(document.scripts).some((s) => s.textContent.includes("alert("))`) {
		t.Errorf("the page has a script made of a delivery's content")
	}
}
