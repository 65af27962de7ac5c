package view

import (
	"testing"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestDescribeSigning: the providers table names where each profile's
// signature travels, a body field or a token header included (it said
// "hmac sha256 hex in " for a signature in the body).
func TestDescribeSigning(t *testing.T) {
	for _, c := range []struct {
		s    catalog.Signing
		want string
	}{
		{catalog.Signing{}, "-"},
		{catalog.Signing{Scheme: "stripe"}, "stripe"},
		{catalog.Signing{Scheme: "hmac", HMAC: signature.HMACConfig{Header: "X-Sig"}}, "hmac sha256 hex in X-Sig"},
		{catalog.Signing{Scheme: "hmac", HMAC: signature.HMACConfig{Header: "X-Sig", Hash: "sha512", Encoding: "base64"}}, "hmac sha512 base64 in X-Sig"},
		{catalog.Signing{Scheme: "hmac", HMAC: signature.HMACConfig{SignatureField: "x_signature"}}, "hmac sha256 hex in body field x_signature"},
		{catalog.Signing{Scheme: "hmac", HMAC: signature.HMACConfig{SignatureField: "signature_key", Mode: "digest", Hash: "sha512"}}, "digest sha512 hex in body field signature_key"},
		{catalog.Signing{Scheme: "hmac", HMAC: signature.HMACConfig{Header: "X-Gitlab-Token", Mode: "token"}}, "token in X-Gitlab-Token"},
	} {
		if got := describeSigning(c.s); got != c.want {
			t.Errorf("%+v: %q, want %q", c.s, got, c.want)
		}
	}
}
