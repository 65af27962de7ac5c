package signature

import "net/http"

// none is the scheme of a provider that does not sign its deliveries
// (Safaricom's M-Pesa Daraja callbacks): it names that fact, so a provider
// file can say it, trigger sends such deliveries unsigned, listen shows them
// as unsigned, and sign and verify refuse (there is nothing to do).
type none struct{}

func (none) Name() string { return "none" }
func (none) Description() string {
	return "the provider does not sign: deliveries are unsigned (protect the endpoint otherwise: an IP allowlist, a secret path)"
}
func (none) HeaderNames() []string        { return nil }
func (none) UsesID() bool                 { return false }
func (none) UsesTimestamp() bool          { return false }
func (none) key(s Secret) ([]byte, error) { return rawKey(s) }
func (none) sign(*macKey, string, string, []byte, string) []HeaderField {
	return nil
}
func (none) mac(*macKey, signed, []byte, string) []byte { return nil }
func (none) parse(http.Header) (signed, *Verdict) {
	bad := fail("", ReasonMissingHeader, "(none)", "the provider does not sign: there is no signature to check")
	return signed{}, &bad
}

// Unsigned reports whether s is the none scheme: a provider that does not
// sign, whose deliveries are sent and shown unsigned.
func Unsigned(s Scheme) bool {
	_, ok := s.(none)
	return ok
}
