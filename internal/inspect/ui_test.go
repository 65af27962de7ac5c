package inspect

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// uiHazards are what the page's assets must never contain: ways to turn
// text into markup or code. Delivery content reaches the page as data
// and is set with textContent; the Content-Security-Policy forbids
// inline script besides. A static guard: the browser tests run the page.
var uiHazards = []*regexp.Regexp{
	regexp.MustCompile(`innerHTML`),
	regexp.MustCompile(`outerHTML`),
	regexp.MustCompile(`insertAdjacentHTML`),
	regexp.MustCompile(`document\.write`),
	regexp.MustCompile(`\beval\s*\(`),
	regexp.MustCompile(`new\s+Function\b`),
	regexp.MustCompile(`(?i)javascript:`),
	regexp.MustCompile(`createContextualFragment`),
	regexp.MustCompile(`DOMParser`),
	regexp.MustCompile(`\bsrcdoc\b`),
	// setTimeout and setInterval with a string are eval.
	regexp.MustCompile(`set(Timeout|Interval)\s*\(\s*["'\x60]`),
}

// htmlHazards are what index.html must not contain besides: inline
// handlers, script without src, inline style (the CSP forbids them;
// the page would break silently).
var htmlHazards = []*regexp.Regexp{
	regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`),
	regexp.MustCompile(`(?i)<script(\s[^>]*)?>`),
	regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`),
	regexp.MustCompile(`(?i)<style`),
	regexp.MustCompile(`(?i)https?://`),
}

// scriptWithSrc is a script element that is allowed: from the page's own
// assets, with nothing inside it.
var scriptWithSrc = regexp.MustCompile(`(?i)^<script src="/assets/[a-z]+\.js"( defer)?>$`)

func uiAssetHazards(files fs.FS) ([]string, error) {
	var found []string
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		text := string(b)
		for _, re := range uiHazards {
			if loc := re.FindStringIndex(text); loc != nil {
				found = append(found, name+": "+text[loc[0]:loc[1]])
			}
		}
		if strings.HasSuffix(name, ".html") {
			for _, re := range htmlHazards {
				for _, loc := range re.FindAllStringIndex(text, -1) {
					m := text[loc[0]:loc[1]]
					if strings.HasPrefix(strings.ToLower(m), "<script") && scriptWithSrc.MatchString(m) &&
						strings.HasPrefix(text[loc[1]:], "</script>") {
						continue
					}
					found = append(found, name+": "+m)
				}
			}
		}
		if strings.HasSuffix(name, ".css") {
			// Nothing fetched: no @import, no url() but data: ones.
			for _, re := range []*regexp.Regexp{regexp.MustCompile(`@import`), regexp.MustCompile(`url\(\s*["']?[^d"')]`)} {
				if loc := re.FindStringIndex(text); loc != nil {
					found = append(found, name+": "+text[loc[0]:loc[1]])
				}
			}
		}
		return nil
	})
	return found, err
}

func TestUIAssetsHaveNoHTMLSinksOrInlineScript(t *testing.T) {
	ui, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"index.html", "app.js", "style.css"} {
		if _, err := fs.Stat(ui, want); err != nil {
			t.Errorf("the embedded page has no %s: %v", want, err)
		}
	}
	found, err := uiAssetHazards(ui)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("the page's assets contain %q", f)
	}
}

// The guard itself finds what it looks for.
func TestUIAssetHazardsFindsEachSink(t *testing.T) {
	bad := map[string]string{
		"a.js":   "x.innerHTML = d.body;",
		"b.js":   "x.insertAdjacentHTML('beforeend', s)",
		"c.js":   "n.outerHTML = s",
		"d.js":   "document.write(s)",
		"e.js":   "eval (s)",
		"f.js":   "new Function('return 1')",
		"g.js":   "a.href = 'javascript:alert(1)'",
		"h.js":   "setTimeout(\"go()\", 1)",
		"i.html": `<button onclick="go()">x</button>`,
		"j.html": `<script>alert(1)</script>`,
		"k.html": `<script src="/assets/app.js">alert(1)</script>`,
		"l.html": `<div style="color:red">`,
		"m.html": `<script src="https://cdn.example/x.js"></script>`,
		"n.css":  `@import "x.css";`,
		"o.css":  `body { background: url(https://x/y.png) }`,
		"p.html": `<img src=x onerror=alert(1)>`,
	}
	for name, text := range bad {
		found, err := uiAssetHazards(mapFS(map[string]string{name: text}))
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			t.Errorf("%s: %q not found", name, text)
		}
	}
	good := mapFS(map[string]string{
		"index.html": `<script src="/assets/app.js" defer></script><button id="x">x</button>`,
		"app.js":     `el.textContent = s; setTimeout(() => f(), 1)`,
		"style.css":  `a { color: red }`,
	})
	found, err := uiAssetHazards(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("safe assets are flagged: %q", found)
	}
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, text := range files {
		m[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return m
}
