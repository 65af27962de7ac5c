package replay

import (
	"errors"
	"sync"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

// ErrNoScheme is the error of Schemes.For for a capture that records no
// scheme when nothing else names one.
var ErrNoScheme = errors.New("no scheme recorded in the capture: give --scheme or --provider")

// SchemeOptions say where a capture's scheme comes from, first to last: Fixed
// (a flag or the endpoint), the capture's provider profile (ProviderScheme),
// the scheme the capture recorded (by name, with Options), then Configured.
type SchemeOptions struct {
	// Fixed, when set, is every capture's scheme: --scheme, or the
	// endpoint's own scheme.
	Fixed signature.Scheme
	// Configured is the last resort: the scheme in effect when the capture
	// names none (a --provider's profile, the config's scheme). May be nil.
	Configured signature.Scheme
	// Options configure a scheme a capture recorded by name (the hmac
	// settings in effect).
	Options signature.Options
	// ProviderScheme returns the scheme of a provider's profile in the
	// catalog; nil (and no error) when the catalog has no such provider or
	// its profile names no scheme. Nil: captures' providers are not looked up.
	ProviderScheme func(provider string) (signature.Scheme, error)
}

// Schemes resolves the scheme each capture is signed or verified with, once
// for all the captures that share a provider and recorded scheme. Replay's
// --resign and verify over captures both use it. It is safe for concurrent
// use.
type Schemes struct {
	o     SchemeOptions
	mu    sync.Mutex
	cache map[schemeKey]resolved
}

// schemeKey is what decides a capture's scheme when no flag does: its
// provider and its recorded scheme. Captures with the same key share a
// scheme, a Signer and a Verifier. (A struct, not a joined string: looking
// one up allocates nothing.)
type schemeKey struct{ provider, scheme string }

func keyOf(rec *capture.Record) schemeKey { return schemeKey{rec.Provider, rec.Scheme} }

// resolved is what a key resolves to: the scheme the capture was signed
// with (nil when nothing names one), or the error of looking it up.
type resolved struct {
	scheme signature.Scheme
	err    error
}

// NewSchemes returns a resolver with o's sources.
func NewSchemes(o SchemeOptions) *Schemes {
	return &Schemes{o: o, cache: map[schemeKey]resolved{}}
}

// For returns the scheme to sign or verify rec with: Fixed when set, else
// the one rec was signed with (Recorded); ErrNoScheme when nothing names one.
func (s *Schemes) For(rec *capture.Record) (signature.Scheme, error) {
	if s.o.Fixed != nil {
		return s.o.Fixed, nil
	}
	sc, err := s.Recorded(rec)
	if err != nil {
		return nil, err
	}
	if sc == nil {
		return nil, ErrNoScheme
	}
	return sc, nil
}

// SignatureHeaders are the headers a re-signing of rec makes anew (and
// drops from the capture): those of the scheme it is signed with (For),
// then those of the scheme it was signed with (Recorded) when that is
// another one. Its error is For's.
func (s *Schemes) SignatureHeaders(rec *capture.Record) ([]string, error) {
	sc, err := s.For(rec)
	if err != nil {
		return nil, err
	}
	names := sc.HeaderNames()
	if old, err := s.Recorded(rec); err == nil && old != nil && old.Name() != sc.Name() {
		names = append(names, old.HeaderNames()...)
	}
	return names, nil
}

// Recorded returns the scheme rec was signed with, whatever flag is given:
// its provider's profile, else the scheme it recorded, else the configured
// one (nil when there is none). Replay --resign drops this scheme's headers.
func (s *Schemes) Recorded(rec *capture.Record) (signature.Scheme, error) {
	key := keyOf(rec)
	s.mu.Lock()
	r, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return r.scheme, r.err
	}
	r.scheme, r.err = s.lookup(rec)
	s.mu.Lock()
	s.cache[key] = r
	s.mu.Unlock()
	return r.scheme, r.err
}

func (s *Schemes) lookup(rec *capture.Record) (signature.Scheme, error) {
	if rec.Provider != "" && s.o.ProviderScheme != nil {
		sc, err := s.o.ProviderScheme(rec.Provider)
		if err != nil || sc != nil {
			return sc, err
		}
	}
	if rec.Scheme != "" {
		return signature.Lookup(rec.Scheme, s.o.Options)
	}
	return s.o.Configured, nil
}
