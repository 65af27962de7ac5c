package interop

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v84/github"
)

// TestGitHub holds hooktool's github scheme to go-github
// (github.ValidatePayload on the request, which prefers
// X-Hub-Signature-256 and falls back to the legacy X-Hub-Signature, and
// github.ValidateSignature). go-github has no signing function: its side is
// HMAC-SHA256 of the body in hex, as GitHub's documentation says, with Go's
// crypto/hmac. GitHub signs no timestamp.
func TestGitHub(t *testing.T) {
	t.Parallel()
	const secret, other = "It's a Secret to Everybody", "another secret"
	lib := func(m message, secret string) error {
		r, err := http.NewRequest("POST", "http://127.0.0.1/hook", bytes.NewReader(m.body))
		if err != nil {
			return err
		}
		r.Header = httpHeader(m)
		r.Header.Set("Content-Type", "application/json")
		if bytes.Contains(m.body, []byte("token=")) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		_, err = github.ValidatePayload(r, []byte(secret))
		return err
	}
	j := judge{t: t, library: "go-github v84.0.0", scheme: "github", lib: lib}
	libSign := func(body []byte, _ time.Time) message {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		return message{header: map[string]string{"X-Hub-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil))}, body: body}
	}
	common(j, secret, other, libSign, false, "")
	upperHex(j, libSign([]byte(`{"zen":"Keep it logically awesome."}`), time.Time{}), secret, true)

	// The legacy SHA-1 header: hooktool sends and reads it with --github-sha1.
	body := []byte(`{"zen":"Design for failure."}`)
	legacy := sign(t, "github", []string{secret}, body, "--github-sha1")
	if err := github.ValidateSignature(legacy.header["X-Hub-Signature"], body, []byte(secret)); err != nil {
		t.Errorf("go-github ValidateSignature refuses hooktool's X-Hub-Signature: %v", err)
	}
	sha1Only := message{header: map[string]string{"X-Hub-Signature": legacy.header["X-Hub-Signature"]}, body: body}
	sha1 := judge{t: t, library: j.library, scheme: "github", lib: lib, extra: []string{"--github-sha1"}}
	sha1.check("X-Hub-Signature (sha1) alone, --github-sha1", sha1Only, []string{secret}, "valid")
	// Without the flag hooktool does not take SHA-1 for a signature (GitHub's
	// documentation asks for the SHA-256 one); go-github falls back to it.
	j.checkApart("X-Hub-Signature (sha1) alone, no --github-sha1", sha1Only, secret, true, []string{secret}, "missing_header")
	sha1.check("X-Hub-Signature (sha1) alone, --github-sha1, tampered body", message{header: sha1Only.header, body: tamper(body)}, []string{secret}, "signature_mismatch")
}
