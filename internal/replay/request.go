package replay

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// request rebuilds a captured delivery for sending.
func (r *run) request(rec *capture.Record) (delivery.Request, error) {
	body, err := rec.Bytes()
	if err != nil {
		return delivery.Request{}, err
	}
	if r.o.Body != nil {
		if body, err = r.o.Body(rec, body); err != nil {
			return delivery.Request{}, err
		}
	}
	// The record is read for this send alone: its header map becomes the
	// request's, without framing and hop-by-hop headers whatever their case
	// (httpx.Sendable copies it only when it drops one).
	received, err := rec.HeaderBytes()
	if err != nil {
		return delivery.Request{}, err
	}
	h, invalid := httpx.Sendable(received)
	if len(invalid) > 0 && r.o.OnDropped != nil {
		r.mu.Lock()
		r.o.OnDropped(rec, invalid)
		r.mu.Unlock()
	}
	if h == nil {
		h = http.Header{}
	}
	r.restore(rec, h)
	target, err := r.o.Target.URL(rec)
	if err != nil {
		return delivery.Request{}, err
	}
	if len(r.o.Header) > 0 || len(r.o.UnsetHeader) > 0 {
		// Sendable may have returned the record's own map.
		h = h.Clone()
		for _, name := range r.o.UnsetHeader {
			delFold(h, name)
		}
		for k, v := range r.o.Header {
			delFold(h, k)
			h[k] = v
		}
	}
	req := delivery.Request{Method: rec.Method, URL: target, Header: h, Body: body}
	if !r.o.resigns() {
		return req, nil
	}
	rs, err := r.resigningFor(rec)
	if err != nil {
		return req, err
	}
	for _, name := range rs.drop {
		delFold(h, name) // as kept: a capture keeps names as they came
	}
	id := ""
	if rs.scheme.UsesID() {
		id = r.o.NewID()
	}
	// Each attempt is signed anew, with the current time and the same id,
	// as providers do when they redeliver.
	req.Sign = rs.signer.PerAttempt(body, id, target, r.o.Now)
	return req, nil
}

// delFold deletes name from h in any case: a capture keeps names as they
// came.
func delFold(h http.Header, name string) {
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
}

// restore puts the configured secret back where the listener redacted it,
// in the record's own headers, path and query (signature.Redactor's
// inverse), so a byte-exact replay of (say) a Flutterwave delivery carries
// its verif-hash again, and one that came to /hooks/SECRET?token=SECRET
// carries its tokens.
func (r *run) restore(rec *capture.Record, h http.Header) {
	if len(rec.Redacted) == 0 && !rec.RedactedQuery && !rec.RedactedPath {
		return
	}
	secret, ok := signature.Restorable(r.o.Secrets)
	if !ok {
		if r.o.OnUnrestored != nil {
			r.mu.Lock()
			r.o.OnUnrestored(rec)
			r.mu.Unlock()
		}
		return
	}
	signature.RestoreHeaders(h, rec.Redacted, secret)
	if rec.RedactedPath {
		rec.Path = signature.RestorePath(rec.Path, secret)
	}
	if rec.RedactedQuery {
		rec.Query = signature.RestoreQuery(rec.Query, secret)
	}
}

// resigning is how captures of one provider and scheme are signed again.
type resigning struct {
	scheme signature.Scheme
	signer *signature.Signer
	// drop are the old signature's headers: the new scheme's, and those of
	// the scheme the capture was signed with, when that is another one.
	drop []string
}

// resigningFor returns the resigning for rec's provider and scheme, made
// once (the secret decoded once) for all the captures that share them.
func (r *run) resigningFor(rec *capture.Record) (*resigning, error) {
	key := keyOf(rec)
	r.mu.Lock()
	rs := r.resign[key]
	r.mu.Unlock()
	if rs != nil {
		return rs, nil
	}
	s, err := r.o.Schemes.For(rec)
	if err != nil {
		return nil, err
	}
	signer, err := signature.NewSigner(s, r.o.Secrets[0])
	if err != nil {
		return nil, err
	}
	drop, err := r.o.Schemes.SignatureHeaders(rec)
	if err != nil {
		return nil, err
	}
	rs = &resigning{scheme: s, signer: signer, drop: drop}
	r.mu.Lock()
	r.resign[key] = rs
	r.mu.Unlock()
	return rs, nil
}

// Target is where captures are sent: a base URL and the rule that places
// each capture's path and query (httpx.TargetURL: never another host).
type Target struct {
	base *url.URL
	rule httpx.PathRule
}

// NewTarget returns a target at base, an absolute http:// or https:// URL,
// where each capture's path and query are placed as rule says.
func NewTarget(base string, rule httpx.PathRule) (*Target, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an absolute http:// or https:// URL", base)
	}
	return &Target{base: u, rule: rule}, nil
}

// URL is where rec goes.
func (t *Target) URL(rec *capture.Record) (string, error) {
	return httpx.TargetURL(t.base, t.rule, rec.Path, rec.Query)
}
