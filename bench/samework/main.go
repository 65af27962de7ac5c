// Command samework is the "same work" reference of bench/listen.sh: a plain
// net/http handler doing, the obvious way, what `hooktool listen --provider
// aella --save F` does with each delivery. It reads the body, checks its
// X-Aella-Signature (hex HMAC-SHA512 of the body, keyed with the secret in
// HOOKTOOL_SECRET), builds a record of the request with the verdict
// (encoding/json of a struct), writes it to F (one write per record: in the
// operating system, not fsynced, as hooktool's grouped writes without
// --fsync) and only then answers 200 {"received":true,"id":"..."}.
//
//	HOOKTOOL_SECRET=s go run ./bench/samework -save /tmp/f.jsonl -ready-file /tmp/samework.url
package main

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

// maxBody is hooktool listen's default --max-body.
const maxBody = 5 << 20

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	ready := flag.String("ready-file", "", "write http://ADDR here once listening")
	save := flag.String("save", "", "append each delivery's record to this file (required)")
	flag.Parse()
	secret := os.Getenv("HOOKTOOL_SECRET")
	if *save == "" || secret == "" {
		log.Fatal("samework: -save FILE and HOOKTOOL_SECRET are required")
	}
	f, err := os.OpenFile(*save, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte(url+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintln(os.Stderr, "samework: listening on", url)
	log.Fatal(http.Serve(ln, &server{key: []byte(secret), file: f}))
}

// server keeps every delivery in file.
type server struct {
	key  []byte
	mu   sync.Mutex
	file *os.File
}

// record is what is kept of a delivery: the request, as received, and the
// verdict on its signature.
type record struct {
	V            int         `json:"v"`
	ID           string      `json:"id"`
	ReceivedAt   time.Time   `json:"received_at"`
	RemoteAddr   string      `json:"remote_addr"`
	Method       string      `json:"method"`
	Host         string      `json:"host,omitempty"`
	Path         string      `json:"path"`
	Query        string      `json:"query,omitempty"`
	Proto        string      `json:"proto,omitempty"`
	Headers      http.Header `json:"headers"`
	Body         string      `json:"body"`
	BodyEncoding string      `json:"body_encoding"`
	BodySize     int         `json:"body_size"`
	Verdict      verdict     `json:"verdict"`
	Answer       answer      `json:"answer"`
}

type verdict struct {
	Scheme string `json:"scheme"`
	Valid  bool   `json:"valid"`
	Reason string `json:"reason"`
}

type answer struct {
	Status int `json:"status"`
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, err.Error(), status)
		return
	}
	rec := record{
		V: 1, ID: newID(), ReceivedAt: now.UTC(), RemoteAddr: r.RemoteAddr,
		Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Proto: r.Proto,
		Headers: r.Header, BodySize: len(body),
		Verdict: s.verify(r.Header.Get("X-Aella-Signature"), body),
		Answer:  answer{Status: http.StatusOK},
	}
	if utf8.Valid(body) {
		rec.Body, rec.BodyEncoding = string(body), "utf-8"
	} else {
		rec.Body, rec.BodyEncoding = base64.StdEncoding.EncodeToString(body), "base64"
	}
	line, err := json.Marshal(&rec)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	line = append(line, '\n')
	s.mu.Lock()
	_, err = s.file.Write(line)
	s.mu.Unlock()
	if err != nil {
		http.Error(w, `{"error":"the delivery could not be kept"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"received":true,"id":"`+rec.ID+`"}`)
}

// verify checks a hex HMAC-SHA512 of the body.
func (s *server) verify(sig string, body []byte) verdict {
	v := verdict{Scheme: "hmac"}
	got, err := hex.DecodeString(sig)
	switch {
	case sig == "":
		v.Reason = "missing_header"
	case err != nil:
		v.Reason = "malformed_header"
	default:
		mac := hmac.New(sha512.New, s.key)
		mac.Write(body)
		if v.Valid = hmac.Equal(got, mac.Sum(nil)); v.Valid {
			v.Reason = "valid"
		} else {
			v.Reason = "signature_mismatch"
		}
	}
	return v
}

// newID is 128 random bits in hex.
func newID() string {
	var b [16]byte
	for i := 0; i < len(b); i += 8 {
		u := rand.Uint64()
		for j := range 8 {
			b[i+j] = byte(u >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}
