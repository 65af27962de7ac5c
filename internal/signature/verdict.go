package signature

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
