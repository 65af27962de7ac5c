package listener

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

// BenchmarkHandler measures the handler's own cost per delivery (no
// network): verify an HMAC-SHA512 signature, keep the record, answer.
func BenchmarkHandler(b *testing.B) {
	s, _ := signature.Lookup("hmac", signature.Options{HMAC: signature.HMACConfig{Header: "X-Aella-Signature", Hash: "sha512"}})
	secret := signature.NewSecret("s3cret")
	body := bytes.Repeat([]byte("x"), 540)
	body = append([]byte(`{"event":"transfer.completed","d":"`), append(body, '"', '}')...)
	fields, _ := signature.Sign(s, secret, signature.SignInput{Body: body})
	store, err := capture.Create(filepath.Join(b.TempDir(), "b.jsonl"), false)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	h := mustNew(b, Options{Scheme: s, Secrets: []signature.Secret{secret}, EventPath: "event", Store: store, MaxBody: 5 << 20})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/hooks", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(fields[0].Name, fields[0].Value)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
