// Package suggest guesses what a user meant by a name hooktool does not
// know (an event, a provider, a scenario, an endpoint, a scheme): the
// nearest known name, for a "did you mean …?" hint. Every command asks it,
// so one rule decides what counts as a typo.
package suggest

import (
	"strings"
	"unicode/utf8"

	"github.com/hbollon/go-edlib"
)

// Nearest returns the known name nearest to name, or "" when none is near
// enough to be a typo of it. Names are compared without case; near means
// at most two edits (a letter added, dropped or changed, or two neighbours
// swapped: the optimal string alignment distance), and a third for names
// of a dozen letters or more, but never so many that a short name could
// become any other. A name without a "/" is also compared with the part of
// each known name after its last "/": a scenario named without its
// provider (transfer-completed for aella/transfer-completed). Ties go to
// the first in known.
func Nearest(name string, known []string) string {
	n := utf8.RuneCountInString(name)
	limit := 2
	if n >= 12 {
		limit = 3
	}
	limit = min(limit, (n-1)/2)
	best, bestDist := "", limit+1
	lower := strings.ToLower(name)
	bare := !strings.Contains(name, "/")
	for _, k := range known {
		kl := strings.ToLower(k)
		d := edlib.OSADamerauLevenshteinDistance(lower, kl)
		if i := strings.LastIndexByte(kl, '/'); bare && i >= 0 {
			d = min(d, edlib.OSADamerauLevenshteinDistance(lower, kl[i+1:]))
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// DidYouMean is the hint for name when a known name is near it ("did you
// mean aella?"), else "".
func DidYouMean(name string, known []string) string {
	if k := Nearest(name, known); k != "" {
		return "did you mean " + k + "?"
	}
	return ""
}
