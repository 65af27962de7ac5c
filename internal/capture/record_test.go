package capture

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestNewRecordKeepsTheRequestAsItCame: the request line, the addresses
// and the headers as they came; the path with its %-escapes, the query
// raw, the time in UTC, a fresh id.
func TestNewRecordKeepsTheRequestAsItCame(t *testing.T) {
	req := httptest.NewRequest(http.MethodPut, "http://hooks.example.com/hooks/a%2Fb?x=1&y=%20", strings.NewReader("body"))
	req.RemoteAddr = "203.0.113.7:50123"
	req.Header.Set("X-Sig", "abc")
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}
	req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, local))
	now := time.Date(2026, 11, 23, 19, 4, 5, 0, time.FixedZone("", 3600))

	rec := NewRecord(req, now)
	want := &Record{V: Version, ID: rec.ID, ReceivedAt: now.UTC(), RemoteAddr: "203.0.113.7:50123", LocalAddr: "127.0.0.1:4242",
		Method: http.MethodPut, Host: "hooks.example.com", Path: "/hooks/a%2Fb", Query: "x=1&y=%20", Proto: "HTTP/1.1",
		Headers: http.Header{"X-Sig": {"abc"}}}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("NewRecord:\n got  %#v\n want %#v", rec, want)
	}
	if len(rec.ID) != 26 || rec.ID[:10] != NewID(now)[:10] {
		t.Errorf("id %q is not a ULID of %v", rec.ID, now)
	}
	if rec.ReceivedAt.Location() != time.UTC {
		t.Errorf("received_at in %v, want UTC", rec.ReceivedAt.Location())
	}

	// A request without a listener's context (one built to record what was
	// sent) has no local address.
	sent := &http.Request{Method: http.MethodPost, URL: req.URL, Host: req.URL.Host, Proto: "HTTP/1.1", Header: http.Header{}}
	if rec := NewRecord(sent, now); rec.LocalAddr != "" || rec.RemoteAddr != "" || rec.Path != "/hooks/a%2Fb" {
		t.Errorf("NewRecord of a sent request: %#v", rec)
	}
}

// TestRedactKeepsNoSecret: secrets in header values and in the query are
// replaced and named, a header that is not UTF-8 is kept in base64, and
// the request's own header map is not changed.
func TestRedactKeepsNoSecret(t *testing.T) {
	scheme, err := signature.Lookup("flutterwave", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	red := signature.NewRedactor(scheme, []signature.Secret{signature.NewSecret("s3cret")})
	h := http.Header{"Verif-Hash": {"s3cret"}, "X-Echo": {"a s3cret b"}, "X-Bin": {"\xff\xfe"}, "X-Plain": {"p"}}
	req := httptest.NewRequest(http.MethodPost, "/hook/s3cret?token=s3cret&a=1", nil)
	req.Header = h
	rec := NewRecord(req, time.Now())
	rec.Redact(red)
	// A second Redactor (a detected token scheme's, with no secret, as
	// listen adds) adds to what the first found, and forgets none of it.
	rec.Redact(signature.NewRedactor(scheme))

	wantHeaders := http.Header{"Verif-Hash": {signature.Redacted}, "X-Echo": {"a " + signature.Redacted + " b"}, "X-Bin": {"//4="}, "X-Plain": {"p"}}
	if !reflect.DeepEqual(rec.Headers, wantHeaders) {
		t.Errorf("headers %q, want %q", rec.Headers, wantHeaders)
	}
	if !reflect.DeepEqual(rec.Redacted, []string{"Verif-Hash", "X-Echo"}) || !reflect.DeepEqual(rec.Base64Headers, []string{"X-Bin"}) {
		t.Errorf("redacted_headers %q, base64_headers %q", rec.Redacted, rec.Base64Headers)
	}
	if strings.Contains(rec.Query, "s3cret") || !rec.RedactedQuery || !strings.HasSuffix(rec.Query, "&a=1") {
		t.Errorf("query %q (redacted %v)", rec.Query, rec.RedactedQuery)
	}
	if rec.Path != "/hook/%5Bredacted%5D" || !rec.RedactedPath {
		t.Errorf("path %q (redacted %v)", rec.Path, rec.RedactedPath)
	}
	if h.Get("Verif-Hash") != "s3cret" || h.Get("X-Bin") != "\xff\xfe" {
		t.Errorf("the request's headers were changed: %q", h)
	}
	if line, err := rec.AppendJSON(nil); err != nil || strings.Contains(string(line), "s3cret") {
		t.Errorf("the record holds the secret (%v): %s", err, line)
	}
}
