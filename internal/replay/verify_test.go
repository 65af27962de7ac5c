package replay

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

func lookup(t testing.TB, name string, o signature.Options) signature.Scheme {
	t.Helper()
	s, err := signature.Lookup(name, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signed is a capture of body signed under s with secret at ts, recording
// provider and scheme.
func signed(t testing.TB, s signature.Scheme, secret signature.Secret, body string, ts time.Time, provider, scheme string) *capture.Record {
	t.Helper()
	rec := &capture.Record{V: 1, ID: "C" + body, Method: "POST", Path: "/hook", Host: "example.test", ReceivedAt: ts,
		Headers: http.Header{}, Provider: provider, Scheme: scheme}
	rec.SetBody([]byte(body))
	fields, err := signature.Sign(s, secret, signature.SignInput{Body: []byte(body), ID: "msg_1", Timestamp: ts, URL: "http://example.test/hook"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		rec.Headers.Set(f.Name, f.Value)
	}
	return rec
}

func TestSchemesResolveInOrder(t *testing.T) {
	stripe := lookup(t, "stripe", signature.Options{})
	github := lookup(t, "github", signature.Options{})
	slack := lookup(t, "slack", signature.Options{})
	fromCatalog := map[string]signature.Scheme{"aella": slack}
	var asked []string
	provider := func(id string) (signature.Scheme, error) {
		asked = append(asked, id)
		return fromCatalog[id], nil
	}
	s := NewSchemes(SchemeOptions{Configured: github, ProviderScheme: provider})
	for _, tc := range []struct {
		provider, scheme string
		want             string
	}{
		{"aella", "stripe", "slack"},    // the provider's profile first
		{"unknown", "stripe", "stripe"}, // then the recorded scheme
		{"", "", "github"},              // then the configured one
	} {
		got, err := s.For(&capture.Record{Provider: tc.provider, Scheme: tc.scheme})
		if err != nil || got.Name() != tc.want {
			t.Errorf("provider %q scheme %q: %v %v, want %s", tc.provider, tc.scheme, got, err, tc.want)
		}
	}
	// Resolved once per provider and scheme.
	s.For(&capture.Record{Provider: "aella", Scheme: "stripe"})
	if len(asked) != 2 {
		t.Errorf("the catalog was asked %d times (%v), want once per provider", len(asked), asked)
	}
	// A fixed scheme wins; Recorded still says what the capture was signed with.
	fixed := NewSchemes(SchemeOptions{Fixed: stripe, ProviderScheme: provider})
	rec := &capture.Record{Provider: "aella", Scheme: "github"}
	if got, _ := fixed.For(rec); got.Name() != "stripe" {
		t.Errorf("with Fixed: %s", got.Name())
	}
	if got, _ := fixed.Recorded(rec); got.Name() != "slack" {
		t.Errorf("Recorded with Fixed: %s, want the provider's", got.Name())
	}
	// Nothing names one.
	if _, err := NewSchemes(SchemeOptions{}).For(&capture.Record{}); !errors.Is(err, ErrNoScheme) {
		t.Errorf("no scheme anywhere: %v", err)
	}
	// An unknown recorded scheme is an error.
	if _, err := NewSchemes(SchemeOptions{}).For(&capture.Record{Scheme: "nope"}); err == nil {
		t.Error("an unknown recorded scheme was accepted")
	}
}

func TestVerifyCountsAndReports(t *testing.T) {
	secret := signature.NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	stripe := lookup(t, "stripe", signature.Options{})
	at := time.Unix(1_700_000_000, 0)
	good := signed(t, stripe, secret, `{"a":1}`, at, "", "stripe")
	old := signed(t, stripe, secret, `{"a":2}`, at.Add(-time.Hour), "", "stripe")
	old.ReceivedAt = at // received an hour after it was signed
	tampered := signed(t, stripe, secret, `{"a":3}`, at, "", "stripe")
	tampered.SetBody([]byte(`{"a":4}`))
	noScheme := signed(t, stripe, secret, `{"a":5}`, at, "", "")
	var lines []string
	sum, err := Verify(VerifyOptions{
		Source:    source([]*capture.Record{good, old, tampered, noScheme}),
		Schemes:   NewSchemes(SchemeOptions{}),
		Secrets:   []signature.Secret{secret},
		Tolerance: 5 * time.Minute,
		OnChecked: func(rec *capture.Record, v signature.Verdict, when time.Time) error {
			lines = append(lines, fmt.Sprintf("%s %s %d", rec.ID, v.Reason, when.Unix()))
			return nil
		},
		OnUnchecked: func(rec *capture.Record, why error) error {
			lines = append(lines, rec.ID+" unchecked: "+why.Error())
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		good.ID + " valid 1700000000",
		old.ID + " timestamp_too_old 1700000000",
		tampered.ID + " signature_mismatch 1700000000",
		noScheme.ID + " unchecked: " + ErrNoScheme.Error(),
	}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("reported\n%q\nwant\n%q", lines, want)
	}
	if sum.Checked != 3 || sum.Valid != 1 || sum.Invalid != 2 || sum.Unchecked != 1 ||
		sum.InvalidBy["timestamp_too_old"] != 1 || sum.InvalidBy["signature_mismatch"] != 1 {
		t.Errorf("summary %+v", sum)
	}
	// As of another moment (At), the old one is valid.
	sum, _ = Verify(VerifyOptions{Source: source([]*capture.Record{old}), Schemes: NewSchemes(SchemeOptions{}),
		Secrets: []signature.Secret{secret}, Tolerance: 5 * time.Minute, At: at.Add(-time.Hour)})
	if sum.Valid != 1 {
		t.Errorf("as of its signing time: %+v", sum)
	}
}

func TestVerifyNoneChecked(t *testing.T) {
	rec := &capture.Record{ID: "x", Headers: http.Header{}}
	sum, err := Verify(VerifyOptions{Source: source([]*capture.Record{rec, rec}), Schemes: NewSchemes(SchemeOptions{})})
	var none *NoneCheckedError
	if !errors.As(err, &none) || none.Unchecked != 2 || sum.Unchecked != 2 {
		t.Errorf("Verify: %v %+v, want NoneCheckedError of 2", err, sum)
	}
}

// TestVerifyNothingToCheck: a source that gives no capture (an empty file,
// a selection that leaves every one out) is none checked, not a pass.
func TestVerifyNothingToCheck(t *testing.T) {
	sum, err := Verify(VerifyOptions{Source: source(nil), Schemes: NewSchemes(SchemeOptions{})})
	var none *NoneCheckedError
	if !errors.As(err, &none) || none.Unchecked != 0 || sum.Checked != 0 {
		t.Fatalf("Verify of nothing: %v %+v, want NoneCheckedError of 0", err, sum)
	}
	if got := none.Error(); got != "no capture to check" {
		t.Errorf("error %q", got)
	}
}

func TestVerifyUnusableSecret(t *testing.T) {
	swh := lookup(t, "standard-webhooks", signature.Options{})
	rec := &capture.Record{ID: "x", Headers: http.Header{}, Scheme: "standard-webhooks"}
	_, err := Verify(VerifyOptions{Source: source([]*capture.Record{rec}), Schemes: NewSchemes(SchemeOptions{Fixed: swh}),
		Secrets: []signature.Secret{signature.NewSecret("whsec_%%%")}})
	var se *signature.SecretError
	if !errors.As(err, &se) {
		t.Errorf("Verify: %v, want a SecretError", err)
	}
}

// TestVerifyRestoresARedactedQuery: a scheme that signs the URL checks it
// as it came, secret and all (in its path and query), though the capture
// kept it redacted.
func TestVerifyRestoresARedactedQuery(t *testing.T) {
	secret := signature.NewSecret("q-SECRET-42")
	hm := lookup(t, "hmac", signature.Options{HMAC: signature.HMACConfig{Header: "X-Sig", Template: "{url}.{body}"}})
	rec := &capture.Record{ID: "u", Method: "POST", Host: "example.test", Path: "/hook", Headers: http.Header{}, ReceivedAt: time.Unix(1_700_000_000, 0)}
	rec.SetBody([]byte(`{"a":1}`))
	fields, err := signature.Sign(hm, secret, signature.SignInput{Body: []byte(`{"a":1}`), URL: "http://example.test/hook/q-SECRET-42?token=q-SECRET-42"})
	if err != nil {
		t.Fatal(err)
	}
	rec.Headers.Set(fields[0].Name, fields[0].Value)
	red := signature.NewRedactor(hm, []signature.Secret{secret})
	rec.Query, rec.RedactedQuery = red.Query("token=q-SECRET-42")
	rec.Path, rec.RedactedPath = red.Path("/hook/q-SECRET-42")
	if !rec.RedactedQuery || !rec.RedactedPath {
		t.Fatal("the path or query was not redacted")
	}
	var got signature.Verdict
	_, err = Verify(VerifyOptions{Source: source([]*capture.Record{rec}), Schemes: NewSchemes(SchemeOptions{Fixed: hm}),
		Secrets:   []signature.Secret{secret},
		OnChecked: func(_ *capture.Record, v signature.Verdict, _ time.Time) error { got = v; return nil }})
	if err != nil || !got.Valid {
		t.Errorf("Verify: %v, verdict %+v: want valid against the query as it came", err, got)
	}
}

// TestVerifyReportsTheRecordedVerdictWhenTheSignatureWasRedacted: a
// Flutterwave verif-hash is the secret itself and is not kept; the verdict
// made on receipt stands, with a hint saying so.
func TestVerifyReportsTheRecordedVerdictWhenTheSignatureWasRedacted(t *testing.T) {
	secret := signature.NewSecret("fw-SECRET-1")
	rec := redacted(t, secret)
	rec.Verdict = &signature.Verdict{Scheme: "flutterwave", Valid: true, Reason: "valid"}
	var got signature.Verdict
	sum, err := Verify(VerifyOptions{Source: source([]*capture.Record{rec}),
		Schemes:   NewSchemes(SchemeOptions{Fixed: lookup(t, "flutterwave", signature.Options{})}),
		Secrets:   []signature.Secret{secret},
		OnChecked: func(_ *capture.Record, v signature.Verdict, _ time.Time) error { got = v; return nil }})
	if err != nil || sum.Valid != 1 || !got.Valid || len(got.Hints) != 1 {
		t.Errorf("Verify: %v %+v, verdict %+v", err, sum, got)
	}
}

func TestVerifyStopsOnACallbackError(t *testing.T) {
	secret := signature.NewSecret("s")
	gh := lookup(t, "github", signature.Options{})
	recs := []*capture.Record{signed(t, gh, secret, "1", time.Now(), "", "github"), signed(t, gh, secret, "2", time.Now(), "", "github")}
	stop := errors.New("stdout closed")
	n := 0
	_, err := Verify(VerifyOptions{Source: source(recs), Schemes: NewSchemes(SchemeOptions{}), Secrets: []signature.Secret{secret},
		OnChecked: func(*capture.Record, signature.Verdict, time.Time) error { n++; return stop }})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Verify: %v after %d, want the callback's error after 1", err, n)
	}
}
