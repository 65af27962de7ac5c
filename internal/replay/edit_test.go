package replay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestRunEditedBodyIsResigned: with Body set, each capture is sent with the
// body it makes, signed anew over those bytes (without Resign asked for),
// the old signature gone; the bytes the edit does not touch are kept.
func TestRunEditedBodyIsResigned(t *testing.T) {
	secret := signature.NewSecret("s3cret")
	github, _ := signature.Lookup("github", signature.Options{})
	recs := records(2)
	for _, rec := range recs {
		rec.Scheme = "github"
		rec.Headers.Set("X-Hub-Signature-256", "sha256=00")
		rec.SetBody([]byte(strings.Replace(rec.Body, "{", `{ "keep" : [1, 2],`, 1)))
	}
	tg := newTarget(t, nil)
	o := options(t, tg, recs)
	o.Secrets, o.Schemes = []signature.Secret{secret}, NewSchemes(SchemeOptions{})
	now := time.Unix(1_800_000_000, 0)
	o.Now, o.NewID = func() time.Time { return now }, func() string { return "msg_1" }
	o.Body = EditBody([]catalog.Edit{{Path: "n", Value: []byte("42")}, {Path: "note", Value: []byte(`"edited"`)}})
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	vf, err := signature.NewVerifier(github, []signature.Secret{secret})
	if err != nil {
		t.Fatal(err)
	}
	reqs := tg.got()
	if len(reqs) != 2 {
		t.Fatalf("sent %d, want 2", len(reqs))
	}
	for i, g := range reqs {
		if want := `{ "keep" : [1, 2],"n":42,"note":"edited"}`; g.body != want {
			t.Errorf("request %d: body %s, want %s", i, g.body, want)
		}
		if vv := g.header.Values("X-Hub-Signature-256"); len(vv) != 1 || vv[0] == "sha256=00" {
			t.Errorf("request %d: signature headers %q: want one new signature", i, vv)
		}
		v := vf.Verify(signature.Message{Header: g.header, Body: []byte(g.body)}, signature.VerifyOptions{Now: now})
		if !v.Valid {
			t.Errorf("request %d: edited delivery does not verify: %s %s", i, v.Reason, v.Message)
		}
	}
}

// An edit fails closed: without a secret nothing is sent; an edit that
// cannot be made stops the run at that capture, before it is sent.
func TestRunEditedBodyFailsClosed(t *testing.T) {
	tg := newTarget(t, nil)
	o := options(t, tg, records(1))
	o.Schemes, o.Now, o.NewID = NewSchemes(SchemeOptions{}), time.Now, func() string { return "x" }
	o.Body = func(_ *capture.Record, b []byte) ([]byte, error) { return b, nil }
	if _, err := Run(context.Background(), o); err == nil {
		t.Error("an edited body with no secret: accepted")
	}

	github, _ := signature.Lookup("github", signature.Options{})
	o.Secrets, o.Schemes = []signature.Secret{signature.NewSecret("s")}, NewSchemes(SchemeOptions{Fixed: github})
	o.Source = source(records(3))
	o.Body = func(rec *capture.Record, b []byte) ([]byte, error) {
		if rec.ID == "C001" {
			return nil, fmt.Errorf("no such field")
		}
		return b, nil
	}
	_, err := Run(context.Background(), o)
	var ce *CaptureError
	if !errors.As(err, &ce) || ce.ID != "C001" {
		t.Errorf("Run: %v; want a CaptureError for C001", err)
	}
	if n := len(tg.got()); n != 1 {
		t.Errorf("sent %d; want 1 (the capture before the one that failed)", n)
	}
}
