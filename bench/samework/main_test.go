package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSameWork: a delivery is answered 200 with the id of its record, and
// the record, in the file before the answer, holds the body and the
// verdict on the signature, valid or not.
func TestSameWork(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	key := []byte("bench-listen-secret")
	srv := httptest.NewServer(&server{key: key, file: f})
	defer srv.Close()
	body := `{"event":"transfer.completed","data":{"amount":10000}}`
	mac := hmac.New(sha512.New, key)
	mac.Write([]byte(body))
	good := hex.EncodeToString(mac.Sum(nil))
	bad := strings.Repeat("0", len(good))

	for i, c := range []struct{ sig, reason string }{
		{good, "valid"},
		{bad, "signature_mismatch"},
		{"", "missing_header"},
		{"not hex", "malformed_header"},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/hooks?x=1", strings.NewReader(body))
		if c.sig != "" {
			req.Header.Set("X-Aella-Signature", c.sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct {
			Received bool
			ID       string
		}
		if resp.StatusCode != 200 || json.Unmarshal(answer, &got) != nil || !got.Received || len(got.ID) != 32 {
			t.Fatalf("answer %d %s", resp.StatusCode, answer)
		}
		recs := records(t, path)
		if len(recs) != i+1 {
			t.Fatalf("%d records after %d answers", len(recs), i+1)
		}
		r := recs[i]
		if r.ID != got.ID || r.Body != body || r.BodySize != len(body) || r.Path != "/hooks" || r.Query != "x=1" ||
			r.Verdict.Reason != c.reason || r.Verdict.Valid != (c.reason == "valid") || r.Answer.Status != 200 {
			t.Errorf("signature %q: record %+v", c.sig, r)
		}
	}
}

func records(t *testing.T, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}
