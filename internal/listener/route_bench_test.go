package listener

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/httpx"
)

// benchRoutes is 50 routes of the three kinds, none of which takes the
// benchmark's delivery but the last: each delivery is matched against
// all 50 (the worst case for the first match wins).
func benchRoutes(b *testing.B, fw *Forwarder) []Route {
	var routes []Route
	for i := range 49 {
		var text string
		switch i % 3 {
		case 0:
			text = fmt.Sprintf("invoice.%d.*", i)
		case 1:
			text = fmt.Sprintf("path:/app%d", i)
		default:
			text = fmt.Sprintf("where:data.tenant==t%d", i)
		}
		routes = append(routes, Route{mustMatch(b, text), fw})
	}
	return append(routes, Route{mustMatch(b, "transfer.*"), fw})
}

// BenchmarkRouteTable compares deliveries/s through a table of 50 routes
// (the delivery taken by the last) with no routes (--forward-to alone),
// side by side in one run: the two handlers take turns, one delivery each,
// so that both see the same machine. forward: each delivery is forwarded
// to an app on loopback, as listen does; match: nothing is forwarded (the
// handler's own cost, where the table weighs most). It reports each
// side's deliveries/s, their ratio (routes/none: 1 is no cost), and the
// median of the per-delivery ratio over rounds of 100.
func BenchmarkRouteTable(b *testing.B) {
	body := []byte(`{"event":"transfer.completed","data":{"tenant":"acme","amount":5000}}`)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
	}))
	defer app.Close()
	for _, mode := range []string{"forward", "match"} {
		b.Run(mode, func(b *testing.B) {
			fw := forwarder(b, app.URL, httpx.PathReplace, client(10*time.Second), nil)
			none, table := Options{EventPath: "event", MaxBody: 5 << 20}, Options{EventPath: "event", MaxBody: 5 << 20}
			if mode == "forward" {
				none.Forward = fw
				table.Routes = benchRoutes(b, fw)
			} else {
				table.Routes = benchRoutes(b, nil) // never reached: the last route is unmatched below
				table.Routes[len(table.Routes)-1] = Route{mustMatch(b, "never.*"), nil}
			}
			hNone, hTable := mustNew(b, none), mustNew(b, table)
			send := func(h *Handler) time.Duration {
				req := httptest.NewRequest(http.MethodPost, "/hooks", bytes.NewReader(body))
				w := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(w, req)
				d := time.Since(start)
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
				return d
			}
			var tNone, tTable, roundNone, roundTable time.Duration
			var ratios []float64
			n := 0
			for b.Loop() {
				dn, dt := send(hNone), send(hTable)
				tNone, tTable, roundNone, roundTable = tNone+dn, tTable+dt, roundNone+dn, roundTable+dt
				if n++; n%100 == 0 {
					ratios = append(ratios, float64(roundNone)/float64(roundTable))
					roundNone, roundTable = 0, 0
				}
			}
			b.ReportMetric(float64(n)/tNone.Seconds(), "none-deliveries/s")
			b.ReportMetric(float64(n)/tTable.Seconds(), "routes50-deliveries/s")
			b.ReportMetric(float64(tNone)/float64(tTable), "ratio")
			if len(ratios) > 0 {
				sort.Float64s(ratios)
				b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
			}
		})
	}
}
