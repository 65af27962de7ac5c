package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
			// Linear loading keeps this flat from 1k to 10k endpoints
			// (yaml.v3's pairwise duplicate-key check made it grow tenfold).
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/endpoint")
		})
	}
}
