package catalog

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// Candidate is a provider whose signature a request's headers carry.
type Candidate struct {
	Provider *Provider
	Scheme   signature.Scheme
	// Header is the header that carries the signature.
	Header string
}

// Detector names the providers a request's headers point to: an index from
// each header a provider's scheme reads to the providers, built once from
// the catalog. It is the one home of detection (verify --detect, listen
// without a scheme).
type Detector struct {
	byHeader map[string][]detectEntry
	schemes  map[string]signature.Scheme // by provider id
	byID     map[string]*Provider
	// order keeps the candidates in catalog order.
	order map[*Provider]int
}

type detectEntry struct {
	p *Provider
	s signature.Scheme
}

// NewDetector indexes the catalog's signing profiles.
func NewDetector(c *Catalog) *Detector {
	d := &Detector{byHeader: map[string][]detectEntry{}, schemes: map[string]signature.Scheme{}, byID: map[string]*Provider{}, order: map[*Provider]int{}}
	for i, p := range c.Providers {
		if p.Signing.Scheme == "" {
			continue
		}
		s, err := signature.Lookup(p.Signing.Scheme, p.Signing.Options())
		if err != nil {
			continue // Parse checked it; a profile that cannot be built points nowhere
		}
		d.order[p] = i
		d.schemes[p.ID] = s
		d.byID[p.ID] = p
		for _, name := range s.HeaderNames() {
			key := http.CanonicalHeaderKey(name)
			d.byHeader[key] = append(d.byHeader[key], detectEntry{p, s})
		}
	}
	return d
}

// Detect lists, in catalog order, every provider whose scheme finds a
// signature of its form in h (signature.Carries). A header several
// providers use (X-Hub-Signature-256: GitHub's and Meta's) names them all.
func (d *Detector) Detect(h http.Header) []Candidate {
	seen := map[*Provider]bool{}
	var out []Candidate
	for name := range h {
		for _, e := range d.byHeader[http.CanonicalHeaderKey(name)] {
			if seen[e.p] {
				continue
			}
			seen[e.p] = true
			// Named on the scheme's own headers only: Svix's libraries read
			// the unbranded webhook-* headers too, and a Standard Webhooks
			// delivery is not therefore every Svix customer's.
			if header, ok := signature.Carries(e.s, h); ok && ownHeader(e.s, header) && !bareToken(e.s, header) {
				out = append(out, Candidate{Provider: e.p, Scheme: e.s, Header: header})
			}
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && d.order[out[j].Provider] < d.order[out[j-1].Provider]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func ownHeader(s signature.Scheme, header string) bool {
	for _, n := range s.HeaderNames() {
		if http.CanonicalHeaderKey(n) == http.CanonicalHeaderKey(header) {
			return true
		}
	}
	return false
}

// NoneVerified is the hint on a delivery checked as each of n providers
// detected with the secret in effect, none of which verified it (verify
// --detect, listen without a scheme).
func NoneVerified(n int) string {
	return fmt.Sprintf("checked as each of the %d providers detected: none verified with the secret in effect", n)
}

// IDs are the ids of the providers it can name, sorted.
func (d *Detector) IDs() []string { return slices.Sorted(maps.Keys(d.schemes)) }

// Tolerance is the timestamp tolerance a provider documents, 0 for none
// (the scheme's default) or one not indexed.
func (d *Detector) Tolerance(id string) time.Duration {
	if p := d.byID[id]; p != nil {
		return time.Duration(p.Signing.Tolerance)
	}
	return 0
}

// Scheme is the scheme of a provider's profile, nil for one not indexed.
func (d *Detector) Scheme(id string) signature.Scheme { return d.schemes[id] }

// bareToken: a token in Authorization (Okta's, Auth0's) names no provider:
// any value fits a token, and any API call carries one.
func bareToken(s signature.Scheme, header string) bool {
	return len(signature.SecretHeaders(s)) > 0 && http.CanonicalHeaderKey(header) == "Authorization"
}
