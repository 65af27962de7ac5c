package signature

import "net/http"

// Carries reports whether h carries a signature in s's form: every header
// the scheme reads is there, parses (prefix, encoding, timestamp) and holds
// a signature of the length the scheme's MAC has. It returns the header
// that carries the signature. No secret is needed: it says which scheme a
// request points to (verify --detect), not whether the signature holds.
func Carries(s Scheme, h http.Header) (header string, ok bool) {
	p, bad := s.parse(h)
	if bad != nil || len(p.sigs) == 0 {
		return "", false
	}
	// A shared-secret scheme's signature has its MAC's length, whatever the
	// key; a scheme that computes no MAC (a key pair's) is taken as parsed.
	m, ok := s.(interface {
		mac(key *macKey, p signed, body []byte, url string) []byte
	})
	if !ok {
		return p.header, true
	}
	want := len(m.mac(newMacKey([]byte{0}), p, nil, ""))
	if ms, ok := s.(interface{ macSize() int }); ok {
		want = ms.macSize() // its MAC is computed only for the body it names
	}
	for _, sig := range p.sigs {
		if len(sig) == want {
			return p.header, true
		}
	}
	return "", false
}
