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
	// Any key gives a MAC of the scheme's length.
	want := len(s.mac(newMacKey([]byte{0}), p, nil, ""))
	for _, sig := range p.sigs {
		if len(sig) == want {
			return p.header, true
		}
	}
	return "", false
}
