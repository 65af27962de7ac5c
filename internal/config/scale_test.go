package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// endpointsConfig is a config file with n endpoints, each with a provider,
// a URL, a scheme and a secret.
func endpointsConfig(n int) string {
	var b strings.Builder
	b.WriteString("scheme: stripe\nsecret: top\nendpoints:\n")
	for i := range n {
		fmt.Fprintf(&b, "  ep%d:\n    provider: aella\n    url: https://e%d.example.com/hooks\n    scheme: hmac\n    secret: s%d\n", i, i, i)
	}
	return b.String()
}

// urlsConfig is a config file with n endpoints that have a URL only.
func urlsConfig(n int) string {
	var b strings.Builder
	b.WriteString("endpoints:\n")
	for i := range n {
		fmt.Fprintf(&b, "  ep%d: {url: http://e%d.example.com/}\n", i, i)
	}
	return b.String()
}

// loadEndpoints loads a config of n endpoints and does what `hooktool
// config` and `sign --endpoint` do with it: resolve one endpoint's signing,
// the other endpoints' secrets, and every setting.
func loadEndpoints(tb testing.TB, path string) {
	c, err := Load(Options{ConfigFile: path, Getenv: func(string) string { return "" }})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Signing("ep0"); err != nil {
		tb.Fatal(err)
	}
	_ = c.Alternates("ep0")
	_ = c.Settings()
}

func BenchmarkLoadEndpoints(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "hooktool.yaml")
			if err := os.WriteFile(path, []byte(endpointsConfig(n)), 0o600); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				loadEndpoints(b, path)
			}
		})
	}
}

// TestLoadIsLinearInEndpoints: loading ten times the endpoints is about ten
// times the work, not a hundred (yaml.v3's pairwise duplicate-key check
// made a file of 100,000 endpoints take most of a minute). Allocations are
// counted exactly (they missed that check: comparing strings allocates
// nothing); CPU time (not wall time: other processes do not count) is
// compared as a ratio of the best of a few runs, with a bound (22) between
// linear (measured 12 to 16 on a busy machine) and what the quadratic check
// gave at these sizes (measured 31).
func TestLoadIsLinearInEndpoints(t *testing.T) {
	const small, large = 2500, 25000
	measure := func(n, runs int) (best time.Duration, allocs uint64) {
		path := filepath.Join(t.TempDir(), "hooktool.yaml")
		if err := os.WriteFile(path, []byte(urlsConfig(n)), 0o600); err != nil {
			t.Fatal(err)
		}
		for i := range runs {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := cpuTime()
			if _, err := Load(Options{ConfigFile: path, Getenv: func(string) string { return "" }}); err != nil {
				t.Fatal(err)
			}
			d := cpuTime() - start
			runtime.ReadMemStats(&after)
			if i == 0 || d < best {
				best = d
			}
			allocs = after.Mallocs - before.Mallocs
		}
		return best, allocs
	}
	smallTime, smallAllocs := measure(small, 5)
	largeTime, largeAllocs := measure(large, 3)
	allocRatio := float64(largeAllocs) / float64(smallAllocs)
	timeRatio := float64(largeTime) / float64(smallTime)
	t.Logf("%d endpoints: %v, %d allocations; %d endpoints: %v, %d allocations (ratios %.1f, %.1f)",
		small, smallTime, smallAllocs, large, largeTime, largeAllocs, timeRatio, allocRatio)
	if allocRatio > 20 {
		t.Errorf("10x the endpoints made %.1fx the allocations", allocRatio)
	}
	if timeRatio > 22 {
		t.Errorf("10x the endpoints took %.1fx the time", timeRatio)
	}
}
