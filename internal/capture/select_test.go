package capture

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

func TestParseCond(t *testing.T) {
	tests := []struct {
		expr            string
		left, op, value string
	}{
		// Each operator.
		{`data.amount==5000`, "data.amount", "==", "5000"},
		{`data.amount!=5000`, "data.amount", "!=", "5000"},
		{`data.amount<5000`, "data.amount", "<", "5000"},
		{`data.amount>5000`, "data.amount", ">", "5000"},
		{`data.amount<=5000`, "data.amount", "<=", "5000"},
		{`data.amount>=5000`, "data.amount", ">=", "5000"},
		{`header.User-Agent~hooktool/*`, "header.User-Agent", "~", "hooktool/*"},
		// Spaces around the operator and the value are not part of them.
		{`  data.amount  >=  5000  `, "data.amount", ">=", "5000"},
		{`record.status >= 500`, "record.status", ">=", "500"},
		// Quoted values: JSON strings, escapes included; single quotes are
		// stripped; a bare value is taken as it is.
		{`event=="transfer.failed"`, "event", "==", "transfer.failed"},
		{`event == "transfer.failed"`, "event", "==", "transfer.failed"},
		{`data.note=="say \"hi\"\tthere"`, "data.note", "==", "say \"hi\"\tthere"},
		{`data.note=="caf\u00e9"`, "data.note", "==", "café"},
		{`event=='transfer.failed'`, "event", "==", "transfer.failed"},
		{`event==transfer.failed`, "event", "==", "transfer.failed"},
		{`event==''`, "event", "==", ""},
		{`header.User-Agent~"hooktool/*"`, "header.User-Agent", "~", "hooktool/*"},
		// The first operator in the text wins, so operators may appear in
		// the value; at one position the longer operator wins.
		{`data.expr=="a<=b"`, "data.expr", "==", "a<=b"},
		{`data.expr>"<b"`, "data.expr", ">", "<b"},
		{`data.expr~"a==*"`, "data.expr", "~", "a==*"},
		{`data.expr!=x!=y`, "data.expr", "!=", "x!=y"},
		{`a>=b`, "a", ">=", "b"},
		{`a<=b`, "a", "<=", "b"},
		// Values that look like numbers stay text here; comparing decides.
		{`data.amount>-1.5e3`, "data.amount", ">", "-1.5e3"},
	}
	for _, tc := range tests {
		c, err := ParseCond(tc.expr)
		if err != nil {
			t.Errorf("ParseCond(%q): %v", tc.expr, err)
			continue
		}
		if c.Left != tc.left || c.Op != tc.op || c.Value != tc.value {
			t.Errorf("ParseCond(%q) = {%q %q %q}, want {%q %q %q}", tc.expr, c.Left, c.Op, c.Value, tc.left, tc.op, tc.value)
		}
		if c.String() != tc.expr {
			t.Errorf("ParseCond(%q).String() = %q, want the expression as given", tc.expr, c.String())
		}
	}
}

func TestParseCondErrors(t *testing.T) {
	tests := []struct {
		expr, want string
	}{
		{``, "has no operator"},
		{`data.amount`, "has no operator"},
		{`data.amount=5000`, "has no operator"}, // a single = is not an operator
		{`==5000`, "has no operator"},           // an operator needs a left side before it
		{`<5`, "has no operator"},
		{` ==5000`, "expected PATH==VALUE"},
		{`data.amount>`, "expected PATH>VALUE"},
		{`data.amount>=   `, "expected PATH>=VALUE"},
		{`event=="unterminated`, "not a valid quoted string"},
		{`event=="a" trailing`, "not a valid quoted string"},
		{`event=="bad \q escape"`, "not a valid quoted string"},
		{`data.x~[a-`, "bad glob"},
		{`data.x~"[unclosed"`, "bad glob"},
		// record.FIELD names a field hooktool knows, or the condition is
		// refused (it could only ever hold for !=), the known ones listed.
		{`record.bogus==1`, `unknown record field "bogus"`},
		{`record.forward==1`, `unknown record field "forward"`},
		{`record.forward.statu>=500`, `unknown record field "forward.statu"`},
		{`record.Event==x`, `unknown record field "Event"`},
		{`record.==x`, `unknown record field ""`},
		{`record.bogus==1`, "record.FIELD is one of: id, event, method, path, query, host, remote_addr, provider, scheme, route, verdict, repeat_of, replay_of, body_size, status, answer.status, answer.reason, forward.status, forward.error, forward.latency_ms, forward.url, forward.route"},
		{`header.==x`, "header.NAME needs a name"},
	}
	for _, tc := range tests {
		c, err := ParseCond(tc.expr)
		if err == nil {
			t.Errorf("ParseCond(%q) = %+v, want an error", tc.expr, c)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseCond(%q): %v, want it to say %q", tc.expr, err, tc.want)
		}
		if tc.expr != "" && !strings.Contains(err.Error(), strconv.Quote(tc.expr)) {
			t.Errorf("ParseCond(%q): %v does not quote the expression", tc.expr, err)
		}
	}
}

// selRecord is a delivery as listen keeps it, with a JSON body.
func selRecord() *Record {
	r := &Record{
		V: Version, ID: "01M84S1580ABCDEFGHJKMNPQRS", ReceivedAt: time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC),
		RemoteAddr: "127.0.0.1:50123", Method: "POST", Host: "127.0.0.1:4242", Path: "/hooks/aella", Query: "a=1&b=2",
		Headers: http.Header{
			"Content-Type":  {"application/json"},
			"User-Agent":    {"hooktool/1.0"},
			"X-Repeat":      {"one", "two"},
			"X-Attempt":     {"10"},
			"X-Version":     {"v10"},
			"X-Aella-Event": {"transfer.completed"},
		},
		Provider: "aella", Scheme: "hmac", Event: "transfer.completed", Route: "webhook",
		Verdict: &signature.Verdict{Scheme: "hmac", Valid: true, Reason: signature.ReasonValid},
		Matched: true, Answer: Answer{Status: 200},
	}
	r.SetBody([]byte(`{"event":"transfer.completed","data":{"amount":6000,"fee":12.5,"ref":"900","currency":"NGN",` +
		`"tags":["urgent","retry"],"ok":true,"customer":{"email":"ada@example.com"},"note":"a/b"}}`))
	return r
}

func TestSelectorMatchWhere(t *testing.T) {
	tests := []struct {
		cond string
		want bool
	}{
		// Body paths holding numbers compare as numbers.
		{`data.amount>5000`, true},
		{`data.amount>10000`, false}, // as text "6000" > "10000"
		{`data.amount<10000`, true},
		{`data.amount>=6000`, true},
		{`data.amount<=6000`, true},
		{`data.amount<6000`, false},
		{`data.amount>6000`, false},
		{`data.amount==6000`, true},
		{`data.amount==6000.0`, true},
		{`data.amount==6e3`, true},
		{`data.amount=="6000"`, true}, // quoting the literal does not matter: the body's type does
		{`data.amount!=6000`, false},
		{`data.amount!=5999`, true},
		{`data.fee>12`, true},
		{`data.fee<12.6`, true},
		{`data.amount>-1`, true},
		// A number compared with a literal that is not one compares as text.
		{`data.amount<abc`, true},
		// Body paths holding strings compare as text, even when they look
		// like numbers.
		{`data.ref==900`, true},
		{`data.ref=="900"`, true},
		{`data.ref==900.0`, false},
		{`data.ref>5000`, true},  // "900" > "5000" as text
		{`data.ref<1000`, false}, // "900" > "1000" as text
		{`data.ref>=900`, true},
		{`data.currency=="NGN"`, true},
		{`data.currency=='NGN'`, true},
		{`data.currency==ngn`, false}, // values are case-sensitive
		{`data.currency!=USD`, true},
		{`data.currency<NGO`, true},
		{`data.currency>NGM`, true},
		// gjson paths: array elements, counts, nested objects, booleans.
		{`data.tags.0=="urgent"`, true},
		{`data.tags.1==retry`, true},
		{`data.tags.#==2`, true},
		{`data.tags.#>1`, true},
		{`data.customer.email~"*@example.com"`, true},
		{`data.ok==true`, true},
		{`data.ok!=false`, true},
		{`event=="transfer.completed"`, true}, // the body's own "event" field
		// Globs: * and ? do not cross /; [..] classes; a whole-value match.
		{`data.currency~N*`, true},
		{`data.currency~"N?N"`, true},
		{`data.currency~"[A-Z][A-Z][A-Z]"`, true},
		{`data.currency~n*`, false},
		{`data.currency~G*`, false},
		{`data.currency~NG`, false},
		{`data.note~"a*"`, false},
		{`data.note~"a/*"`, true},
		{`data.amount~"6*"`, true},
		// Missing paths: only != holds.
		{`data.missing==x`, false},
		{`data.missing!=x`, true},
		{`data.missing<5`, false},
		{`data.missing>5`, false},
		{`data.missing~*`, false},
		{`nope.deeper.still>=0`, false},
		// Headers: names are case-insensitive; repeated values are joined
		// with ", "; values that are numbers compare as numbers.
		{`header.Content-Type=="application/json"`, true},
		{`header.content-type=="application/json"`, true},
		{`header.CONTENT-TYPE~application/*`, true},
		{`header.User-Agent~"hooktool/*"`, true},
		{`header.x-repeat=="one, two"`, true},
		{`header.X-Repeat~"one*"`, true},
		{`header.X-Repeat=="one"`, false},
		{`header.X-Attempt>9`, true}, // as text "10" < "9"
		{`header.X-Attempt==10.0`, true},
		{`header.X-Version>v9`, false}, // not a number: "v10" < "v9" as text
		{`header.X-Missing==x`, false},
		{`header.X-Missing!=x`, true},
		// Record fields.
		{`record.event=="transfer.completed"`, true},
		{`record.event~"transfer.*"`, true},
		{`record.method==POST`, true},
		{`record.method==post`, false},
		{`record.path=="/hooks/aella"`, true},
		{`record.path~"/hooks/*"`, true},
		{`record.path~"/*"`, false},
		{`record.query=="a=1&b=2"`, true},
		{`record.provider==aella`, true},
		{`record.scheme==hmac`, true},
		{`record.route==webhook`, true},
		{`record.remote_addr~"127.0.0.1:*"`, true},
		{`record.id=="01M84S1580ABCDEFGHJKMNPQRS"`, true},
		{`record.id~"01M84S1580*"`, true},
		{`record.status==200`, true},
		{`record.status<300`, true},
		{`record.status>=500`, false},
		{`record.verdict==valid`, true},
		{`record.body_size>100`, true},
		{`record.body_size<100`, false},
		{`record.host=="127.0.0.1:4242"`, true},
		{`record.repeat_of==""`, true},
		{`record.replay_of==""`, true},
		{`record.replay_of!=""`, false},
		{`record.answer.status==200`, true},
		{`record.answer.reason==""`, true},
		// Not forwarded: the forward fields are missing, only != holds.
		{`record.forward.status>=500`, false},
		{`record.forward.status!=500`, true},
		{`record.forward.error==timeout`, false},
		{`record.forward.latency_ms>0`, false},
	}
	for _, tc := range tests {
		c, err := ParseCond(tc.cond)
		if err != nil {
			t.Errorf("ParseCond(%q): %v", tc.cond, err)
			continue
		}
		s := Selector{Where: []Cond{c}}
		if got := s.Match(selRecord()); got != tc.want {
			t.Errorf("where %s: Match = %v, want %v", tc.cond, got, tc.want)
		}
	}
}

func TestSelectorMatchRecordVerdicts(t *testing.T) {
	cond := func(s string) Cond {
		c, err := ParseCond(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	unsigned := selRecord()
	unsigned.Verdict = nil
	old := selRecord()
	old.Verdict = &signature.Verdict{Scheme: "stripe", Reason: signature.ReasonTimestampTooOld}
	failed := selRecord()
	failed.Answer.Status = 502
	for _, tc := range []struct {
		name string
		r    *Record
		cond string
		want bool
	}{
		{"unsigned", unsigned, `record.verdict==unsigned`, true},
		{"unsigned", unsigned, `record.verdict==valid`, false},
		{"too old", old, `record.verdict==timestamp_too_old`, true},
		{"too old", old, `record.verdict~"timestamp_*"`, true},
		{"too old", old, `record.verdict!=valid`, true},
		{"answered 502", failed, `record.status>=500`, true},
		{"answered 502", failed, `record.status>60`, true}, // numbers, not text
	} {
		s := Selector{Where: []Cond{cond(tc.cond)}}
		if got := s.Match(tc.r); got != tc.want {
			t.Errorf("%s: where %s: Match = %v, want %v", tc.name, tc.cond, got, tc.want)
		}
	}
}

// TestSelectorMatchForward: the app's answer to a forwarded delivery (its
// status, the kind of error when it gave none, the latency) is selectable,
// apart from what the listener answered the sender.
func TestSelectorMatchForward(t *testing.T) {
	app500 := selRecord()
	app500.Forward = &Forward{URL: "http://127.0.0.1:3000/hooks/aella", Status: 500, LatencyMS: 12.5}
	timedOut := selRecord()
	timedOut.Forward = &Forward{URL: "http://127.0.0.1:3000/hooks/aella", LatencyMS: 2000, Error: "no response from 127.0.0.1:3000 within 2s", ErrorKind: "timeout"}
	older := selRecord() // a record written before error_kind was kept
	older.Forward = &Forward{URL: "http://127.0.0.1:3000/", Error: "connection refused by 127.0.0.1:3000"}
	repeat := selRecord()
	repeat.RepeatOf = "01M84S1580ABCDEFGHJKMNPQRT"
	repeat.Answer = Answer{Status: 503, Reason: "--fail-first"}
	replayed := selRecord()
	replayed.ReplayOf = "01M84S1580ABCDEFGHJKMNPQRS"
	for _, tc := range []struct {
		name string
		r    *Record
		cond string
		want bool
	}{
		{"app 500", app500, `record.forward.status>=500`, true},
		{"app 500", app500, `record.forward.status==500`, true},
		{"app 500", app500, `record.status==200`, true}, // the sender was answered 200
		{"app 500", app500, `record.answer.status>=500`, false},
		{"app 500", app500, `record.forward.error==""`, true},
		{"app 500", app500, `record.forward.latency_ms>12`, true},
		{"app 500", app500, `record.forward.latency_ms<12.6`, true},
		{"app 500", app500, `record.forward.url~"http://127.0.0.1:3000/hooks/*"`, true},
		{"timeout", timedOut, `record.forward.error==timeout`, true},
		{"timeout", timedOut, `record.forward.error!=""`, true},
		{"timeout", timedOut, `record.forward.status>=500`, false},
		{"timeout", timedOut, `record.forward.status!=200`, true},
		{"older", older, `record.forward.error==error`, true},
		{"repeat", repeat, `record.repeat_of~"01M84S*"`, true},
		{"repeat", repeat, `record.answer.status==503`, true},
		{"repeat", repeat, `record.answer.reason=="--fail-first"`, true},
		{"remote", repeat, `record.remote_addr=="127.0.0.1:50123"`, true},
		{"replay", replayed, `record.replay_of=="01M84S1580ABCDEFGHJKMNPQRS"`, true},
		{"replay", replayed, `record.replay_of!=""`, true},
		{"replay", repeat, `record.replay_of~"01M84S*"`, false},
	} {
		c, err := ParseCond(tc.cond)
		if err != nil {
			t.Errorf("ParseCond(%q): %v", tc.cond, err)
			continue
		}
		s := Selector{Where: []Cond{c}}
		if got := s.Match(tc.r); got != tc.want {
			t.Errorf("%s: where %s: Match = %v, want %v", tc.name, tc.cond, got, tc.want)
		}
	}
}

func TestSelectorMatchCombines(t *testing.T) {
	cond := func(s string) Cond {
		c, err := ParseCond(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	notJSON := selRecord()
	notJSON.SetBody([]byte("caf\xe9 \x00 not json"))
	empty := selRecord()
	empty.Event = ""
	tests := []struct {
		name string
		sel  Selector
		r    *Record
		want bool
	}{
		{"nothing asked", Selector{}, selRecord(), true},
		{"event exact", Selector{Event: "transfer.completed"}, selRecord(), true},
		{"event glob", Selector{Event: "transfer.*"}, selRecord(), true},
		{"event glob ?", Selector{Event: "transfer.complete?"}, selRecord(), true},
		{"event class", Selector{Event: "[st]ransfer.*"}, selRecord(), true},
		{"event other", Selector{Event: "mandate.*"}, selRecord(), false},
		{"event prefix only", Selector{Event: "transfer"}, selRecord(), false},
		{"event case", Selector{Event: "Transfer.*"}, selRecord(), false},
		{"event * matches none", Selector{Event: "*"}, empty, true},
		{"event glob on none", Selector{Event: "transfer.*"}, empty, false},
		{"all conditions hold", Selector{Event: "transfer.*", Where: []Cond{cond(`data.amount>5000`), cond(`header.X-Repeat~one*`), cond(`record.status==200`)}}, selRecord(), true},
		{"one condition fails", Selector{Where: []Cond{cond(`data.amount>5000`), cond(`record.status!=200`)}}, selRecord(), false},
		{"event fails, conditions hold", Selector{Event: "mandate.*", Where: []Cond{cond(`data.amount>5000`)}}, selRecord(), false},
		// A body that is not JSON has no paths, but headers and record
		// fields still apply.
		{"no JSON: body path", Selector{Where: []Cond{cond(`data.amount>0`)}}, notJSON, false},
		{"no JSON: body path !=", Selector{Where: []Cond{cond(`data.amount!=0`)}}, notJSON, true},
		{"no JSON: header", Selector{Where: []Cond{cond(`header.X-Attempt==10`)}}, notJSON, true},
		{"no JSON: record", Selector{Where: []Cond{cond(`record.body_size==15`)}}, notJSON, true},
	}
	for _, tc := range tests {
		if got := tc.sel.Match(tc.r); got != tc.want {
			t.Errorf("%s: Match = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIDMatcher(t *testing.T) {
	ids := []string{
		"01M84S1580AAAAAAAAAAAAAAAA",
		"01M84S1580AAAAAAAAAAAAAAAB",
		"01M84S1581BBBBBBBBBBBBBBBB",
		"01M84S1582CCCCCCCCCCCCCCCC",
	}
	run := func(prefixes ...string) (*IDMatcher, []string, error) {
		m := NewIDMatcher(prefixes)
		var hit []string
		for _, id := range ids {
			if m.See(id) {
				hit = append(hit, id)
			}
		}
		return m, hit, m.Check()
	}
	tests := []struct {
		name     string
		prefixes []string
		hit      []int
		err      error
	}{
		{"full id", []string{"01M84S1581BBBBBBBBBBBBBBBB"}, []int{2}, nil},
		{"unique prefix", []string{"01M84S1581"}, []int{2}, nil},
		{"short unique prefix", []string{"01M84S1582"}, []int{3}, nil},
		{"lower case", []string{"01m84s1581b"}, []int{2}, nil},
		{"spaces trimmed", []string{"  01M84S1582C\n"}, []int{3}, nil},
		{"two ids", []string{"01M84S1581", "01m84s1582"}, []int{2, 3}, nil},
		{"a prefix long enough to tell two apart", []string{"01M84S1580AAAAAAAAAAAAAAAB"}, []int{1}, nil},
		{"ambiguous", []string{"01M84S1580"}, []int{0, 1}, ErrAmbiguousID},
		{"ambiguous among all", []string{"01"}, []int{0, 1, 2, 3}, ErrAmbiguousID},
		{"none", []string{"01ZZZZ"}, nil, ErrNoSuchID},
		{"longer than any id", []string{"01M84S1581BBBBBBBBBBBBBBBBX"}, nil, ErrNoSuchID},
		{"one found, one not", []string{"01M84S1581", "7ZZZ"}, []int{2}, ErrNoSuchID},
	}
	for _, tc := range tests {
		m, hit, err := run(tc.prefixes...)
		var want []string
		for _, i := range tc.hit {
			want = append(want, ids[i])
		}
		if !reflect.DeepEqual(hit, want) {
			t.Errorf("%s: See picked %v, want %v", tc.name, hit, want)
		}
		if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s: Check() = %v, want %v", tc.name, err, tc.err)
		}
		if m.Empty() {
			t.Errorf("%s: Empty() with ids asked for", tc.name)
		}
	}

	// The errors name the prefix, and an ambiguous one the ids it matched.
	_, _, err := run("01m84s1580")
	if err == nil || !strings.Contains(err.Error(), "01M84S1580") || !strings.Contains(err.Error(), "matches 2 records") ||
		!strings.Contains(err.Error(), ids[0]) || !strings.Contains(err.Error(), ids[1]) {
		t.Errorf("ambiguous: %v", err)
	}
	_, _, err = run("01ZZZZ")
	if err == nil || !strings.Contains(err.Error(), "01ZZZZ") {
		t.Errorf("none: %v", err)
	}

	// Many matches: five are named.
	m := NewIDMatcher([]string{"01"})
	for _, c := range "ABCDEFGH" {
		m.See("01" + strings.Repeat(string(c), 24))
	}
	err = m.Check()
	if !errors.Is(err, ErrAmbiguousID) || !strings.Contains(err.Error(), "matches 8 records") ||
		!strings.Contains(err.Error(), "01EEEE") || strings.Contains(err.Error(), "01FFFF") {
		t.Errorf("8 matches: %v", err)
	}

	// The same id seen twice (a file read twice, say) is one match.
	m = NewIDMatcher([]string{"01M84S1581"})
	m.See(ids[2])
	m.See(ids[2])
	if err := m.Check(); err != nil {
		t.Errorf("one id seen twice: %v", err)
	}

	// No ids asked for: Empty, nothing is picked by See, Check is happy.
	m = NewIDMatcher(nil)
	if !m.Empty() || m.See(ids[0]) || m.Check() != nil {
		t.Error("an empty matcher should be Empty, pick nothing and check fine")
	}
}

func TestSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	single := write("single.jsonl")
	other := write("notes.txt") // any file given by name is taken, whatever its extension
	d := filepath.Join(dir, "captures")
	c := write("captures/c.jsonl")
	a := write("captures/a.jsonl")
	b := write("captures/b-2026.jsonl")
	write("captures/readme.txt")
	write("captures/old.jsonl.gz")
	write("captures/nested/z.jsonl") // not searched: directories are not walked
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	write("nojsonl/x.json")

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"file", []string{single}, []string{single}},
		{"any file", []string{other}, []string{other}},
		{"stdin", []string{"-"}, []string{"-"}},
		{"directory in name order", []string{d}, []string{a, b, c}},
		{"directory with a trailing slash", []string{d + string(filepath.Separator)}, []string{a, b, c}},
		{"in argument order", []string{single, "-", d, other}, []string{single, "-", a, b, c, other}},
		{"a file given twice", []string{single, single}, []string{single, single}},
		{"none", nil, nil},
	}
	for _, tc := range tests {
		got, err := Sources(tc.args)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Sources = %v, want %v", tc.name, got, tc.want)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"empty directory", []string{empty}, "holds no *.jsonl capture files"},
		{"directory without *.jsonl", []string{filepath.Join(dir, "nojsonl")}, "holds no *.jsonl capture files"},
		{"missing", []string{filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{"missing after a good one", []string{single, filepath.Join(dir, "gone")}, "gone"},
	} {
		got, err := Sources(tc.args)
		if err == nil {
			t.Errorf("%s: Sources = %v, want an error", tc.name, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.want)
		}
	}
	if _, err := Sources([]string{filepath.Join(dir, "missing.jsonl")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v, want os.ErrNotExist", err)
	}
}

func TestParseCondSkipsOperatorsInsideQueriesAndQuotes(t *testing.T) {
	c, err := ParseCond(`data.items.#(id=="x").amount>5`)
	if err != nil || c.Left != `data.items.#(id=="x").amount` || c.Op != ">" || c.Value != "5" {
		t.Fatalf("%+v %v", c, err)
	}
	rec := &Record{V: Version, ID: "A", BodyEncoding: BodyUTF8, Body: `{"data":{"items":[{"id":"y","amount":1},{"id":"x","amount":9}]}}`}
	if !(&Selector{Where: []Cond{c}}).Match(rec) {
		t.Error("the gjson query condition does not match")
	}
	for _, bad := range []string{"data.amount=~6000", "data.amount!~6000"} {
		if _, err := ParseCond(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSourcesSkipsSubdirectories(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub.jsonl"), 0o755)
	os.WriteFile(filepath.Join(dir, "a.jsonl"), nil, 0o600)
	got, err := Sources([]string{dir})
	if err != nil || len(got) != 1 || filepath.Base(got[0]) != "a.jsonl" {
		t.Fatalf("%v %v", got, err)
	}
}

// TestVerdictLabelOfASentDelivery: a delivery hooktool sent again
// (replay_of) was checked by no one: "sent", not "unsigned", in listings
// and --where; a received one keeps its verdict's label.
func TestVerdictLabelOfASentDelivery(t *testing.T) {
	sent := &Record{ID: "b", ReplayOf: "a"}
	received := &Record{ID: "a"}
	if got := sent.VerdictLabel(); got != "sent" {
		t.Errorf("a replay's label: %q, want sent", got)
	}
	if got := received.VerdictLabel(); got != "unsigned" {
		t.Errorf("an unsigned delivery's label: %q, want unsigned", got)
	}
	for _, c := range []struct {
		rec  *Record
		cond string
		want bool
	}{
		{sent, "record.verdict==sent", true},
		{sent, "record.verdict==unsigned", false},
		{received, "record.verdict==unsigned", true},
		{received, "record.verdict==sent", false},
	} {
		cond, err := ParseCond(c.cond)
		if err != nil {
			t.Fatal(err)
		}
		if got := cond.HoldsFor(c.rec, nil, 0); got != c.want {
			t.Errorf("%s on %+v: %v, want %v", c.cond, c.rec, got, c.want)
		}
	}
}
