package replay

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Source gives the captures to check.
	Source Source
	// Schemes resolves each capture's scheme.
	Schemes *Schemes
	// Secrets verify (any one may match); the first is put back where the
	// listener redacted it from a query the scheme signs.
	Secrets []signature.Secret
	// Tolerance and Alternates are as in signature.VerifyOptions.
	Tolerance  time.Duration
	Alternates []signature.LabeledSecret
	// At, when set, is the moment every timestamp is checked against;
	// zero: each capture's receive time.
	At time.Time

	// OnChecked sees each capture checked, with the moment it was checked
	// as of; OnUnchecked each capture whose scheme could not be found, with
	// why. An error from either stops Verify and is returned.
	OnChecked   func(rec *capture.Record, v signature.Verdict, at time.Time) error
	OnUnchecked func(rec *capture.Record, why error) error
}

// VerifySummary counts what Verify saw.
type VerifySummary struct {
	Checked, Valid, Invalid, Unchecked int
	// InvalidBy counts the invalid by reason. Never nil.
	InvalidBy map[string]int
}

// NoneCheckedError is Verify's error when no capture was checked: the
// source gave none (Unchecked is 0), or each wanted a scheme. A check of
// nothing is not a pass.
type NoneCheckedError struct{ Unchecked int }

func (e *NoneCheckedError) Error() string {
	if e.Unchecked == 0 {
		return "no capture to check"
	}
	return fmt.Sprintf("none of the %d captures could be checked: they record no scheme", e.Unchecked)
}

// checker is how the captures of one provider and scheme are checked.
type checker struct {
	scheme   signature.Scheme
	verifier *signature.Verifier // made once: the secrets decoded once
	signsURL bool
}

// Verify checks the signature of every capture of o.Source, each as of its
// receive time (or o.At), under the scheme o.Schemes resolves. Its error is
// the source's, a callback's, a *signature.SecretError (a secret the scheme
// cannot use), one of a body that does not decode, or *NoneCheckedError
// when none was checked (none given, or none with a scheme).
func Verify(o VerifyOptions) (VerifySummary, error) {
	if o.Source == nil || o.Schemes == nil {
		return VerifySummary{}, errors.New("verify: Source and Schemes are required")
	}
	s := VerifySummary{InvalidBy: map[string]int{}}
	checkers := map[schemeKey]*checker{}
	vo := signature.VerifyOptions{Tolerance: o.Tolerance, Alternates: o.Alternates}
	err := o.Source(func(rec *capture.Record) error {
		key := keyOf(rec)
		c := checkers[key]
		if c == nil {
			sc, err := o.Schemes.For(rec)
			if err != nil {
				s.Unchecked++
				if o.OnUnchecked != nil {
					return o.OnUnchecked(rec, err)
				}
				return nil
			}
			vf, err := signature.NewVerifier(sc, o.Secrets)
			if err != nil {
				return err
			}
			c = &checker{scheme: sc, verifier: vf, signsURL: signature.SignsURL(sc)}
			checkers[key] = c
		}
		body, err := rec.Bytes()
		if err != nil {
			return err
		}
		m := signature.Message{Header: rec.Headers, Body: body}
		if c.signsURL {
			m.URL = signedURL(rec, o.Secrets)
		}
		vo.Now = rec.ReceivedAt
		if !o.At.IsZero() {
			vo.Now = o.At
		}
		v := c.verifier.Verify(m, vo)
		if rec.Verdict != nil && redactedSignature(c.scheme, rec) {
			// The header that carried the signature was the secret itself and
			// was not kept: the verdict made on receipt is the one to report.
			v = *rec.Verdict
			v.Hints = append(v.Hints, "the signature header was redacted when kept: this is the verdict recorded on receipt")
		}
		s.Checked++
		if v.Valid {
			s.Valid++
		} else {
			s.Invalid++
			s.InvalidBy[string(v.Reason)]++
		}
		if o.OnChecked != nil {
			return o.OnChecked(rec, v, vo.Now)
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	if s.Checked == 0 {
		return s, &NoneCheckedError{Unchecked: s.Unchecked}
	}
	return s, nil
}

// signedURL is the URL rec was sent to, as a scheme that signs it saw it:
// a path or query the listener redacted gets its secret back (it was
// signed as it came, secret and all), the one signature.Restorable names.
func signedURL(rec *capture.Record, secrets []signature.Secret) string {
	secret, restorable := signature.Restorable(secrets)
	uri := rec.Path
	if rec.RedactedPath && restorable {
		uri = signature.RestorePath(uri, secret)
	}
	if q := rec.Query; q != "" {
		if rec.RedactedQuery && restorable {
			q = signature.RestoreQuery(q, secret)
		}
		uri += "?" + q
	}
	return "http://" + rec.Host + uri
}

// redactedSignature reports whether a capture's signature header was
// redacted when kept.
func redactedSignature(s signature.Scheme, rec *capture.Record) bool {
	for _, name := range rec.Redacted {
		for _, h := range s.HeaderNames() {
			if strings.EqualFold(name, h) {
				return true
			}
		}
	}
	return false
}
