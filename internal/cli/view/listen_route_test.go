package view

import (
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/listener"
)

// TestListenRouteLine: the line names the route taken (escaped: it may
// come from a config file someone handed you), says when no route took a
// delivery, and shows each mirror's answer; a mirror's error is told once.
func TestListenRouteLine(t *testing.T) {
	p, out, errb := listenPrinter(false, false)
	rec := listenRecord("invoice.paid", 201)
	rec.Forward = &capture.Forward{URL: "http://localhost:3001/hook", Status: 201, LatencyMS: 3, Route: "invoice.*\x1b[2K"}
	rec.Mirrors = []capture.Forward{{URL: "http://m/", Status: 500, LatencyMS: 1}, {URL: "http://n/", Error: "connection refused by n:80", ErrorKind: "connection_refused"}}
	p.Delivery(listener.Delivery{Record: rec})
	p.Delivery(listener.Delivery{Record: rec})
	p.Delivery(listener.Delivery{Record: listenRecord("other", 200), Unrouted: true})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines:\n%s", out)
	}
	if want := `→ 201  ⇢ app (invoice.*\x1b[2K) 201 3ms  ⇉ mirror 500 1ms  ⇉ mirror ✘ connection_refused`; !strings.HasSuffix(lines[0], want) {
		t.Errorf("line\n%s\nwant it to end\n%s", lines[0], want)
	}
	if !strings.HasSuffix(lines[2], "→ 200  ⇢ no route") {
		t.Errorf("unrouted line %s", lines[2])
	}
	if n := strings.Count(errb.String(), "warning: mirror: connection refused by n:80\n"); n != 1 {
		t.Errorf("the mirror's error told %d times:\n%s", n, errb)
	}
}

// TestListenReadyRoutes: the ready line lists the table and the mirrors.
func TestListenReadyRoutes(t *testing.T) {
	r := ListenReady{URL: "http://127.0.0.1:1", Unsigned: "no scheme is configured", ForwardTo: "http://localhost:3000/",
		Routes:  []ListenTarget{{Match: "invoice.*", URL: "http://localhost:3001/"}},
		Mirrors: []ListenTarget{{URL: "http://m/"}, {Match: "path:/gh", URL: "http://n/"}}}
	p, _, errb := listenPrinter(false, false)
	p.Ready(r)
	if want := "hooktool: listening on http://127.0.0.1:1 (not verifying: no scheme is configured; routing invoice.* → http://localhost:3001/; the rest to http://localhost:3000/; mirroring to http://m/; mirroring to http://n/ (path:/gh))\n"; errb.String() != want {
		t.Errorf("got  %swant %s", errb, want)
	}
	p, _, errb = listenPrinter(true, false)
	p.Ready(r)
	if want := `{"forward_to":"http://localhost:3000/","mirrors":[{"url":"http://m/"},{"match":"path:/gh","url":"http://n/"}],"routes":[{"match":"invoice.*","url":"http://localhost:3001/"}],"save":"","type":"ready","url":"http://127.0.0.1:1","verifying":false}` + "\n"; errb.String() != want {
		t.Errorf("got  %swant %s", errb, want)
	}
}
