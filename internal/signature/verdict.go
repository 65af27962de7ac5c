package signature

import "net/http"

// Reason says why a verdict is what it is. The values are stable: they
// appear in `verify --json` output and users' scripts match on them.
type Reason string

const (
	ReasonValid              Reason = "valid"
	ReasonMissingHeader      Reason = "missing_header"
	ReasonMalformedHeader    Reason = "malformed_header"
	ReasonUnsupportedVersion Reason = "unsupported_version"
	ReasonTimestampTooOld    Reason = "timestamp_too_old"
	ReasonTimestampInFuture  Reason = "timestamp_in_future"
	ReasonMismatch           Reason = "signature_mismatch"
	ReasonNoSecret           Reason = "no_secret"
)

// Verdict is the outcome of verifying one message: whether it is valid, why,
// and, when it is not, hints at the likely cause.
type Verdict struct {
	Scheme  string `json:"scheme"`
	Valid   bool   `json:"valid"`
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
	// Header is the header the verdict is about, when there is one.
	Header string `json:"header,omitempty"`
	// SkewSeconds is how far the signed timestamp is from the moment of
	// checking (positive: in the past), for timestamped schemes.
	SkewSeconds *int64 `json:"skew_seconds,omitempty"`
	// SecretIndex is the 1-based position of the configured secret that
	// matched; 0 when none did.
	SecretIndex int `json:"secret_index,omitempty"`
	// Hints name likely causes of a failure, as full sentences.
	Hints []string `json:"hints,omitempty"`
}

// Label is how a verdict is named in listings, summaries and --where:
// "valid", "unsigned" for no verdict (nil), else the reason it is invalid.
func (v *Verdict) Label() string {
	switch {
	case v == nil:
		return "unsigned"
	case v.Valid:
		return "valid"
	}
	return string(v.Reason)
}

func fail(scheme string, r Reason, header, msg string) Verdict {
	return Verdict{Scheme: scheme, Reason: r, Header: header, Message: msg}
}

// Checked reports whether a verdict was reached by checking a signature:
// false for none (unsigned) and for one not checked for want of a secret.
func (v *Verdict) Checked() bool { return v != nil && v.Reason != ReasonNoSecret }

// NotChecked is the verdict on a message verified under s with no secret
// configured: nil when it carries no signature of s at all (it is
// unsigned), else a no_secret verdict naming the signature header, so a
// signed delivery is not shown as unsigned. body is read by a profile
// whose signature travels in it (signature_field); nil for the others.
func NotChecked(s Scheme, h http.Header, body []byte) *Verdict {
	if s == nil {
		return nil
	}
	p, bad := parseMessage(s, Message{Header: h, Body: body})
	header := p.header
	if bad != nil && bad.Reason == ReasonMissingHeader && (header == "" || h.Get(header) == "") {
		return nil // no signature header: another of the scheme's headers may be there, but nothing is signed
	}
	if header == "" && bad != nil {
		header = bad.Header
	}
	v := fail(s.Name(), ReasonNoSecret, header, "not checked: no secret is configured to check the signature with")
	return &v
}
