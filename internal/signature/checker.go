package signature

import (
	"net/http"
	"time"
)

// Checker is the verdict a delivery gets where it is kept: listen checks
// each delivery on receipt, scenario run --save each one it sends, and
// both keep the verdict in the record the same way: the scheme's
// Verifier, the URL included when the scheme signs it, as of the moment
// the delivery is kept, within the tolerance.
type Checker struct {
	scheme    Scheme
	vf        *Verifier // nil: no secret; deliveries are not checked
	signsURL  bool
	tolerance time.Duration
}

// NewChecker returns the Checker of scheme s with secrets, or the
// *SecretError of a secret s cannot use. With no scheme it returns nil:
// there is nothing to check with, and the record has no verdict
// ("unsigned"), as with the none scheme. With a scheme and no secret, a delivery carrying the
// scheme's signature header is "not checked (no secret)" (NotChecked).
func NewChecker(s Scheme, secrets []Secret, tolerance time.Duration) (*Checker, error) {
	if s == nil || Unsigned(s) {
		return nil, nil
	}
	c := &Checker{scheme: s, signsURL: SignsURL(s), tolerance: tolerance}
	if len(secrets) == 0 {
		return c, nil
	}
	vf, err := NewVerifier(s, secrets)
	if err != nil {
		return nil, err
	}
	c.vf = vf
	return c, nil
}

// Check is the verdict of a delivery with header and body, sent to url
// (its query unredacted: as it was signed), as of now; nil from a nil
// Checker.
func (c *Checker) Check(header http.Header, body []byte, url string, now time.Time) *Verdict {
	if c == nil {
		return nil
	}
	if c.vf == nil {
		return NotChecked(c.scheme, header, body)
	}
	m := Message{Header: header, Body: body}
	if c.signsURL {
		m.URL = url
	}
	v := c.vf.Verify(m, VerifyOptions{Now: now, Tolerance: c.tolerance})
	return &v
}
