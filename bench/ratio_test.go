package bench

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
)

// ratioRuns is how many times each benchmark runs; the table shows medians.
const ratioRuns = 5

type measure struct {
	nsPerOp float64
	mbPerS  float64
}

// median runs bench ratioRuns times with testing.Benchmark and returns the
// median ns/op and the MB/s at that run.
func median(t *testing.T, bench func(*testing.B)) measure {
	t.Helper()
	ms := make([]measure, 0, ratioRuns)
	for range ratioRuns {
		r := testing.Benchmark(bench)
		if r.N == 0 {
			t.Fatal("benchmark failed (see output above)")
		}
		ns := float64(r.T.Nanoseconds()) / float64(r.N)
		ms = append(ms, measure{nsPerOp: ns, mbPerS: float64(r.Bytes) * 1e3 / ns})
	}
	slices.SortFunc(ms, func(a, b measure) int {
		switch {
		case a.nsPerOp < b.nsPerOp:
			return -1
		case a.nsPerOp > b.nsPerOp:
			return 1
		}
		return 0
	})
	return ms[len(ms)/2]
}

// TestVerifyRatios prints, per scheme, the median ns/op of hooktool's Verify
// and of the bare baseline, their ratio, and hooktool's throughput. It takes
// two to three minutes, and runs only when asked:
//
//	HOOKTOOL_BENCH=1 go test ./bench -run TestVerifyRatios -v
func TestVerifyRatios(t *testing.T) {
	if os.Getenv("HOOKTOOL_BENCH") != "1" {
		t.Skip("set HOOKTOOL_BENCH=1 to measure")
	}
	var out strings.Builder
	w := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "scheme\thash\tns/op hooktool\tns/op bare\tratio\tMB/s hooktool\tMB/s bare\t\n")
	for _, c := range benchCases {
		p := prepare(t, c)
		ht, bare := median(t, p.hooktool), median(t, p.bare)
		fmt.Fprintf(w, "%s\t%s\t%.0f\t%.0f\t%.2f\t%.0f\t%.0f\t\n", c.name, c.hash, ht.nsPerOp, bare.nsPerOp, ht.nsPerOp/bare.nsPerOp, ht.mbPerS, bare.mbPerS)
		if p.official != nil {
			off := median(t, p.official)
			fmt.Fprintf(w, "%s (official library)\t%s\t%.0f\t%.0f\t%.2f\t%.0f\t%.0f\t\n", c.name, c.hash, off.nsPerOp, bare.nsPerOp, off.nsPerOp/bare.nsPerOp, off.mbPerS, bare.mbPerS)
		}
	}
	w.Flush()
	fmt.Printf("Verify, %d-byte JSON body, median of %d runs each:\n%s", payloadSize, ratioRuns, out.String())
}
