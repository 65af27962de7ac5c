package signature_test

import (
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hooktool/hooktool/internal/signature"
)

// Interoperability with the official Standard Webhooks Go library: what we
// sign, it accepts; what it signs, we accept; and neither accepts the
// other's signature after the body or the secret changes. The official
// library checks timestamps against the real clock, so these sign as of now.

const interopRounds = 300

type interopCase struct {
	secret string // whsec_<base64>
	id     string
	body   []byte
}

func randomCases(seed uint64) []interopCase {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
	out := make([]interopCase, interopRounds)
	for i := range out {
		key := make([]byte, 16+r.IntN(48))
		for j := range key {
			key[j] = byte(r.Uint32())
		}
		id := make([]byte, 1+r.IntN(40))
		for j := range id {
			id[j] = idChars[r.IntN(len(idChars))]
		}
		var body []byte
		switch r.IntN(4) {
		case 0: // arbitrary bytes, newlines and NULs included
			body = make([]byte, r.IntN(2048))
			for j := range body {
				body[j] = byte(r.Uint32())
			}
		case 1: // JSON-ish text
			body = []byte(`{"n":` + strings.Repeat("1", r.IntN(30)) + `,"s":"` + strings.Repeat("é\n", r.IntN(20)) + `"}`)
		case 2: // empty
			body = []byte{}
		default: // large
			body = []byte(strings.Repeat("x", 64*1024+r.IntN(1024)))
		}
		out[i] = interopCase{secret: "whsec_" + base64.StdEncoding.EncodeToString(key), id: "msg_" + string(id), body: body}
	}
	return out
}

func ours(t *testing.T) signature.Scheme {
	t.Helper()
	s, err := signature.Lookup("standard-webhooks", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInteropWeSignOfficialVerifies(t *testing.T) {
	s := ours(t)
	for i, c := range randomCases(1) {
		fields, err := signature.Sign(s, signature.NewSecret(c.secret), signature.SignInput{Body: c.body, ID: c.id, Timestamp: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		for _, f := range fields {
			h.Set(f.Name, f.Value)
		}
		wh, err := standardwebhooks.NewWebhook(c.secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(c.body, h); err != nil {
			t.Fatalf("case %d (id %q, %d-byte body): official library rejects our signature: %v", i, c.id, len(c.body), err)
		}
		// And it is not a library that accepts anything.
		if err := wh.Verify(append(c.body[:len(c.body):len(c.body)], '!'), h); err == nil {
			t.Fatalf("case %d: official library accepts a changed body", i)
		}
	}
}

func TestInteropOfficialSignsWeVerify(t *testing.T) {
	s := ours(t)
	cs := randomCases(2)
	for i, c := range cs {
		wh, err := standardwebhooks.NewWebhook(c.secret)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		sig, err := wh.Sign(c.id, now, c.body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(standardwebhooks.HeaderWebhookID, c.id)
		h.Set(standardwebhooks.HeaderWebhookTimestamp, itoa(now.Unix()))
		h.Set(standardwebhooks.HeaderWebhookSignature, sig)
		m := signature.Message{Header: h, Body: c.body}
		opts := signature.VerifyOptions{Now: now, Tolerance: signature.DefaultTolerance}

		v, err := signature.Verify(s, m, []signature.Secret{signature.NewSecret(c.secret)}, opts)
		if err != nil || !v.Valid {
			t.Fatalf("case %d (id %q, %d-byte body): we reject the official signature: %+v, %v", i, c.id, len(c.body), v, err)
		}
		// Rotation: an unrelated newer secret first, the signing one second.
		other := cs[(i+1)%len(cs)].secret
		v, err = signature.Verify(s, m, []signature.Secret{signature.NewSecret(other), signature.NewSecret(c.secret)}, opts)
		if err != nil || !v.Valid || v.SecretIndex != 2 {
			t.Fatalf("case %d: rotation: %+v, %v", i, v, err)
		}
		// The official signature does not verify under another secret or body.
		if v, _ := signature.Verify(s, m, []signature.Secret{signature.NewSecret(other)}, opts); v.Reason != signature.ReasonMismatch {
			t.Fatalf("case %d: other secret: %+v", i, v)
		}
		m.Body = append(c.body[:len(c.body):len(c.body)], '!')
		if v, _ := signature.Verify(s, m, []signature.Secret{signature.NewSecret(c.secret)}, opts); v.Reason != signature.ReasonMismatch {
			t.Fatalf("case %d: changed body: %+v", i, v)
		}
	}
}

// TestInteropSvix: Svix is Standard Webhooks under svix-* header names; our
// svix signatures, renamed, satisfy the official library.
func TestInteropSvix(t *testing.T) {
	s, err := signature.Lookup("svix", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range randomCases(3)[:50] {
		fields, err := signature.Sign(s, signature.NewSecret(c.secret), signature.SignInput{Body: c.body, ID: c.id, Timestamp: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		for _, f := range fields {
			h.Set(strings.Replace(f.Name, "svix-", "webhook-", 1), f.Value)
		}
		wh, _ := standardwebhooks.NewWebhook(c.secret)
		if err := wh.Verify(c.body, h); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
}

// TestInteropMultipleSignatures: a header carrying several signatures, as a
// sender rotating secrets sends, is read the same way by both.
func TestInteropMultipleSignatures(t *testing.T) {
	s := ours(t)
	cs := randomCases(4)
	for i := 0; i+1 < len(cs); i += 2 {
		oldC, newC := cs[i], cs[i+1]
		now := time.Now()
		whOld, _ := standardwebhooks.NewWebhook(oldC.secret)
		whNew, _ := standardwebhooks.NewWebhook(newC.secret)
		sigOld, _ := whOld.Sign(oldC.id, now, oldC.body)
		sigNew, _ := whNew.Sign(oldC.id, now, oldC.body)
		h := http.Header{}
		h.Set("webhook-id", oldC.id)
		h.Set("webhook-timestamp", itoa(now.Unix()))
		h.Set("webhook-signature", sigNew+" "+sigOld)
		for _, sec := range []string{oldC.secret, newC.secret} {
			wh, _ := standardwebhooks.NewWebhook(sec)
			officialOK := wh.Verify(oldC.body, h) == nil
			v, err := signature.Verify(s, signature.Message{Header: h, Body: oldC.body}, []signature.Secret{signature.NewSecret(sec)},
				signature.VerifyOptions{Now: now, Tolerance: signature.DefaultTolerance})
			if err != nil || !v.Valid || !officialOK {
				t.Fatalf("case %d: ours %+v (%v), official ok=%v", i, v, err, officialOK)
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestInteropUnpaddedSecret (issue 12, item 21): what the official library
// signs with a padded whsec_ secret, we verify with the same secret written
// without its = padding (as the official Python library accepts).
func TestInteropUnpaddedSecret(t *testing.T) {
	s := ours(t)
	for i, c := range randomCases(5)[:50] {
		bare := strings.TrimRight(c.secret, "=")
		wh, err := standardwebhooks.NewWebhook(c.secret)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		sig, err := wh.Sign(c.id, now, c.body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(standardwebhooks.HeaderWebhookID, c.id)
		h.Set(standardwebhooks.HeaderWebhookTimestamp, itoa(now.Unix()))
		h.Set(standardwebhooks.HeaderWebhookSignature, sig)
		v, err := signature.Verify(s, signature.Message{Header: h, Body: c.body}, []signature.Secret{signature.NewSecret(bare)},
			signature.VerifyOptions{Now: now, Tolerance: signature.DefaultTolerance})
		if err != nil || !v.Valid {
			t.Fatalf("case %d: the unpadded secret does not verify the official signature: %+v, %v", i, v, err)
		}
	}
}
