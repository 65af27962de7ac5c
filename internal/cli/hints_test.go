package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

// hintScopes names, for each source file (or engine package) under
// internal/ that writes hints, the commands that can print them. A hint's
// flag must exist on each of them. A new file with hints fails the test
// until it is named here.
var hintScopes = map[string][]string{
	"cli/app.go":           {"*"}, // the default hint of every error
	"cli/errors.go":        {"*"}, // usageErr's
	"cli/signing.go":       {"sign", "verify", "listen", "trigger", "replay", "scenario run", "config"},
	"cli/select.go":        {"captures list", "captures show", "captures export", "verify", "replay"},
	"cli/save.go":          {"listen", "scenario run"},
	"cli/listen.go":        {"listen"},
	"cli/listenui.go":      {"listen"},
	"cli/listentunnel.go":  {"listen"},
	"cli/view/listen.go":   {"listen"},
	"cli/trigger.go":       {"trigger"},
	"cli/replay.go":        {"replay"},
	"cli/replay_edit.go":   {"replay"},
	"cli/captures_diff.go": {"captures diff"},
	"cli/captures.go":      {"captures show"},
	"cli/verify.go":        {"verify"},
	"cli/init.go":          {"init"},
	"cli/keygen.go":        {"keygen"},
	"cli/inspect.go":       {"inspect"},
	"cli/events.go":        {"events", "events show"},
	"cli/providers.go":     {"providers", "providers show"},
	"cli/scenario.go":      {"scenario list", "scenario run"},
	"cli/view/attempt.go":  {"trigger", "replay", "scenario run"},
	"cli/urlflag.go":       {"trigger", "replay", "sign", "scenario run", "listen"}, // each names its own flag
	"cli/port.go":          {"listen", "inspect"},                                   // each names its own port flag
	"listener":             {"listen"},
	"replay":               {"replay", "verify"}, // the replay engine, and verify over captures
	// The delivery client's errors reach whoever sends.
	"delivery": {"trigger", "replay", "scenario run", "listen"},
	// A verdict's hints are printed where a signature is checked.
	"signature": {"verify", "listen"},
}

// hintAllowed are the flags a hint names that are known missing, each with
// the change that removes the entry: "scope file: command: --flag".
var hintAllowed = map[string]bool{
	"delivery: listen: --insecure": true, // listen prints --forward-insecure in its place (view.listenProblems, TestListenSelfSignedAppHint)
}

// hint is a piece of hint text found in the source.
type hint struct {
	file string // relative to internal/, with slashes
	pos  string
	text string
}

var (
	// flagInHint is a long flag named in a hint.
	flagInHint = regexp.MustCompile(`(?:^|[^A-Za-z0-9-])--([a-z][a-z0-9-]*)`)
	// commandInHint is a command quoted in a hint, `hooktool sign --format
	// http`: its flags are that command's.
	commandInHint = regexp.MustCompile("`hooktool ([a-z][a-z ]*?)((?: -[^`]*)?)`")
	hintName      = regexp.MustCompile(`(?i)^hints?$`)
)

// TestHintsNameRealFlags: every flag a hint names exists on each command
// that can print the hint, and a command a hint quotes (`hooktool X
// --flag`) has that flag. Hints are found in the source: the hint
// arguments of failErr and unknownNameErr, hints: fields and Hint fields
// (positional too), appends to a hints slice, assignments to a variable
// named hint, and what a function whose name holds "hint" returns.
func TestHintsNameRealFlags(t *testing.T) {
	hints := collectHints(t, filepath.Join("..", "..", "internal"))
	// One hint of each form the collector reads, so it cannot go blind.
	for _, want := range []string{
		"pass --force to replace it",                          // failErr's argument
		"or pass --unsigned",                                  // append to a hints slice
		"pass --insecure",                                     // a positional Hint field
		"answer deliveries with a final status",               // a keyed Hint field
		"raise --forward-timeout",                             // hint = ...
		"the body verifies with its trailing newline removed", // a positional hint field in a slice literal
		"`hooktool events` lists the event types",             // unknownNameErr's argument
		"see --help for usage",                                // hints: []string{...}
	} {
		if !slices.ContainsFunc(hints, func(h hint) bool { return strings.Contains(h.text, want) }) {
			t.Errorf("the collector missed the hint %q", want)
		}
	}
	streams, _, _ := term.Test("")
	root := NewRootCommand(&App{Streams: streams, Getenv: func(string) string { return "" }})
	find := func(path string) *cobra.Command {
		c, rest, err := root.Find(strings.Fields(path))
		if err != nil || len(rest) > 0 || c == root && path != "" {
			return nil
		}
		return c
	}
	var all []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Runnable() && c.Name() != "help" && !strings.HasPrefix(c.CommandPath(), "hooktool completion") && c != root {
			all = append(all, strings.TrimPrefix(c.CommandPath(), "hooktool "))
		}
	}
	walk(root)
	hasFlag := func(c *cobra.Command, name string) bool {
		c.InitDefaultHelpFlag()
		return c.Flag(name) != nil
	}
	checked := 0
	allowedUsed := map[string]bool{}
	for _, h := range hints {
		scope := scopeOf(h.file)
		cmds, ok := hintScopes[scope]
		if !ok {
			t.Errorf("%s: a hint in %s, which hintScopes does not name: say which commands print it", h.pos, h.file)
			continue
		}
		if slices.Equal(cmds, []string{"*"}) {
			cmds = all
		}
		// Flags inside a quoted command are that command's.
		text := h.text
		for _, m := range commandInHint.FindAllStringSubmatch(text, -1) {
			c := find(m[1])
			if c == nil {
				t.Errorf("%s: the hint quotes `hooktool %s`, no such command: %q", h.pos, m[1], h.text)
				continue
			}
			for _, f := range flagInHint.FindAllStringSubmatch(m[2], -1) {
				checked++
				if !hasFlag(c, f[1]) {
					t.Errorf("%s: the hint names `hooktool %s --%s`, which has no such flag: %q", h.pos, m[1], f[1], h.text)
				}
			}
		}
		text = commandInHint.ReplaceAllString(text, "")
		for _, f := range flagInHint.FindAllStringSubmatch(text, -1) {
			for _, path := range cmds {
				checked++
				c := find(path)
				if c == nil {
					t.Fatalf("hintScopes names %q, no such command", path)
				}
				if hasFlag(c, f[1]) {
					continue
				}
				key := scope + ": " + path + ": --" + f[1]
				allowedUsed[key] = true
				if !hintAllowed[key] {
					t.Errorf("%s: the hint names --%s, which hooktool %s (it prints hints of %s) does not have: %q", h.pos, f[1], path, scope, h.text)
				}
			}
		}
	}
	for key := range hintAllowed {
		if !allowedUsed[key] {
			t.Errorf("hintAllowed[%q] is no longer needed: remove it", key)
		}
	}
	if checked == 0 {
		t.Fatal("no flag named in any hint: the collector is broken")
	}
}

// scopeOf is the hintScopes key of a file: engine packages as a whole,
// the command layer file by file.
func scopeOf(file string) string {
	if strings.HasPrefix(file, "cli/") {
		return file
	}
	return strings.Split(file, "/")[0]
}

// collectHints parses every non-test Go file under dir and returns the
// string literals in hint positions, each hint's literals joined by a
// space.
func collectHints(t *testing.T, dir string) []hint {
	t.Helper()
	fset := token.NewFileSet()
	var out []hint
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		names, err := filepath.Glob(filepath.Join(path, "*.go"))
		if err != nil {
			return err
		}
		files := map[string]*ast.File{}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			if files[name], err = parser.ParseFile(fset, name, nil, 0); err != nil {
				return err
			}
		}
		structs := structFields(files)
		for name, f := range files {
			rel, _ := filepath.Rel(dir, name)
			out = append(out, hintsIn(fset, filepath.ToSlash(rel), f, structs)...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// structFields maps a package's struct type names to their field names in
// order, to read positional literals such as &Error{kind, msg, hint, err}.
func structFields(files map[string]*ast.File) map[string][]string {
	m := map[string][]string{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			var names []string
			for _, fl := range st.Fields.List {
				if len(fl.Names) == 0 {
					names = append(names, "")
				}
				for _, n := range fl.Names {
					names = append(names, n.Name)
				}
			}
			m[ts.Name.Name] = names
			return true
		})
	}
	return m
}

func lastName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	}
	return ""
}

func hintsIn(fset *token.FileSet, file string, f *ast.File, structs map[string][]string) []hint {
	var out []hint
	add := func(exprs ...ast.Expr) {
		for _, e := range exprs {
			var parts []string
			ast.Inspect(e, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						parts = append(parts, s)
					}
				}
				return true
			})
			if len(parts) > 0 {
				out = append(out, hint{file: file, pos: fset.Position(e.Pos()).String(), text: strings.Join(parts, " ")})
			}
		}
	}
	// positional adds the elements of a struct literal in a hint field.
	positional := func(typeName string, lit *ast.CompositeLit) {
		fields := structs[typeName]
		for i, el := range lit.Elts {
			if _, keyed := el.(*ast.KeyValueExpr); !keyed && i < len(fields) && hintName.MatchString(fields[i]) {
				add(el)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			switch lastName(x.Fun) {
			case "failErr":
				add(x.Args[1:]...)
			case "unknownNameErr":
				if len(x.Args) > 3 {
					add(x.Args[3:]...)
				}
			case "append":
				if len(x.Args) > 1 && hintName.MatchString(lastName(x.Args[0])) {
					add(x.Args[1:]...)
				}
			}
		case *ast.KeyValueExpr:
			if hintName.MatchString(lastName(x.Key)) {
				add(x.Value)
			}
		case *ast.AssignStmt:
			for i, l := range x.Lhs {
				// x.Hints = append(x.Hints, ...) is read as an append.
				if call, ok := x.Rhs[min(i, len(x.Rhs)-1)].(*ast.CallExpr); ok && lastName(call.Fun) == "append" {
					continue
				}
				if hintName.MatchString(lastName(l)) && i < len(x.Rhs) {
					add(x.Rhs[i])
				}
			}
		case *ast.CompositeLit:
			switch ty := x.Type.(type) {
			case *ast.Ident:
				positional(ty.Name, x)
			case *ast.ArrayType:
				if elt, ok := ty.Elt.(*ast.Ident); ok {
					for _, el := range x.Elts {
						if inner, ok := el.(*ast.CompositeLit); ok && inner.Type == nil {
							positional(elt.Name, inner)
						}
					}
				}
			}
		case *ast.FuncDecl:
			if strings.Contains(strings.ToLower(x.Name.Name), "hint") && x.Body != nil {
				ast.Inspect(x.Body, func(n ast.Node) bool {
					if r, ok := n.(*ast.ReturnStmt); ok {
						add(r.Results...)
					}
					return true
				})
			}
		}
		return true
	})
	return out
}
