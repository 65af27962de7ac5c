package view

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/listener"
)

// hostileForwards gives n deliveries whose forward errors differ only by
// the delivery's path and query, as a sender choosing them makes them:
// each names a kind and a target among targets.
func hostileForwards(n int, targets ...string) []listener.Delivery {
	ds := make([]listener.Delivery, n)
	for i := range ds {
		target := targets[i%len(targets)]
		u := fmt.Sprintf("%s/p/%d?q=%d", target, i, i)
		rec := listenRecord("a.b", 502)
		msg := fmt.Sprintf("Post %q: net/http: HTTP/1.x transport connection broken: malformed HTTP response", u)
		rec.Forward = &capture.Forward{URL: u, Error: msg, ErrorKind: string(delivery.KindOther)}
		rec.Mirrors = []capture.Forward{{URL: "http://127.0.0.1:9/m" + fmt.Sprint(i), Error: "connection refused by 127.0.0.1:9 at /m" + fmt.Sprint(i), ErrorKind: string(delivery.KindRefused)}}
		ds[i] = listener.Delivery{Record: rec, ForwardErr: &delivery.Error{Kind: delivery.KindOther, Msg: msg}}
	}
	return ds
}

// TestListenWarnsOncePerKindAndTarget: thousands of forward (and mirror)
// errors that differ only by the delivery's path give one warning per kind
// and target, each delivery keeps its own line, and the memory of what was
// said stays bounded however many targets there are.
func TestListenWarnsOncePerKindAndTarget(t *testing.T) {
	for _, json := range []bool{false, true} {
		p, out, errb := listenPrinter(json, false)
		for _, d := range hostileForwards(5000, "http://127.0.0.1:3000") {
			p.Delivery(d)
		}
		if n := strings.Count(errb.String(), "warning"); n != 2 { // the forward's, the mirror's
			t.Errorf("json=%v: %d warnings for 5000 deliveries to one app and one mirror:\n%.2000s", json, n, errb)
		}
		if n := strings.Count(out.String(), "\n"); n != 5000 {
			t.Errorf("json=%v: %d delivery lines, want 5000", json, n)
		}
		if !json && !strings.Contains(out.String(), "/p/4999?q=4999") {
			t.Errorf("the last delivery's line does not show its own error")
		}
	}

	// Many targets: the memory is capped, the rest counted and said once.
	targets := make([]string, 3*MaxOnce)
	for i := range targets {
		targets[i] = fmt.Sprintf("http://app%d.test", i)
	}
	for _, json := range []bool{false, true} {
		p, _, errb := listenPrinter(json, false)
		for _, d := range hostileForwards(5000, targets...) {
			p.Delivery(d)
		}
		var said *Once
		if json {
			said = &p.(*listenJSON).said
		} else {
			said = &p.(*listenText).said
		}
		if said.Len() > MaxOnce {
			t.Errorf("json=%v: %d problems remembered, more than %d", json, said.Len(), MaxOnce)
		}
		if n := strings.Count(errb.String(), "warning"); n > MaxOnce {
			t.Errorf("json=%v: %d warnings, more than %d", json, n, MaxOnce)
		}
		p.Summary(ListenSummary{})
		if !strings.Contains(errb.String(), "other problems were not said here") {
			t.Errorf("json=%v: the untold problems are not counted:\n%.3000s", json, errb.String()[max(0, errb.Len()-3000):])
		}
	}
}
