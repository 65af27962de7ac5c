package listener

import (
	"bytes"
	"context"
	"io"
	"net"
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

// BenchmarkServe measures a delivery over loopback (keep-alive clients in
// parallel), served by Server (server=Server: its connection tracking and
// stats) and by a bare http.Server with the same Handler (server=http).
func BenchmarkServe(b *testing.B) {
	body := []byte(`{"event":"transfer.completed"}`)
	for _, name := range []string{"http", "Server"} {
		b.Run("server="+name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan struct{})
			if name == "http" {
				srv := &http.Server{Handler: mustNew(b, Options{EventPath: "event"})}
				go func() { srv.Serve(ln); close(done) }()
				defer func() { srv.Close(); <-done }()
			} else {
				s, err := NewServer(ServerOptions{Handler: Options{EventPath: "event"}})
				if err != nil {
					b.Fatal(err)
				}
				go func() { s.Serve(ctx, ln); close(done) }()
				defer func() { cancel(); <-done }()
			}
			url := "http://" + ln.Addr().String() + "/hooks"
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(url, "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
