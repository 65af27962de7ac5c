package httpx

import (
	"net/http"
	"net/textproto"
	"slices"
	"sort"
	"strings"
)

// IsFraming reports whether a header of this name (in any case) is never
// copied into a request sent on or again: Content-Length,
// Transfer-Encoding, Host, Connection, Keep-Alive, Proxy-*, TE, Trailer,
// Upgrade and Expect. They describe one message's framing or one
// connection (RFC 9110 7.6.1, RFC 9112 6 and 7), or the sending client
// writes them itself. Expect is one: whoever sends on or again holds the
// whole body already, and an app asked to wait for a 100 Continue would
// only wait.
func IsFraming(name string) bool {
	switch k := textproto.CanonicalMIMEHeaderKey(name); k {
	case "Content-Length", "Transfer-Encoding", "Host", "Connection", "Keep-Alive", "Te", "Trailer", "Upgrade", "Expect":
		return true
	default:
		return strings.HasPrefix(k, "Proxy-")
	}
}

// StripFraming returns h without its framing and hop-by-hop headers (see
// IsFraming) and those its Connection header names, whatever their case.
// It returns h itself when there is nothing to take out, and otherwise a
// copy (the value slices shared): h is never changed.
func StripFraming(h http.Header) http.Header {
	var named []string // what Connection names
	for k, vv := range h {
		if !strings.EqualFold(k, "Connection") {
			continue
		}
		for _, v := range vv {
			for _, tok := range strings.Split(v, ",") {
				named = append(named, textproto.TrimString(tok))
			}
		}
	}
	out, copied := h, false
	for k := range h {
		if !IsFraming(k) && !containsFold(named, k) {
			continue
		}
		if !copied {
			out, copied = copyHeader(h), true
		}
		delete(out, k)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Sendable returns h as a request sent on or again may carry it: without
// framing and hop-by-hop headers (StripFraming), and without any header
// whose name is not a token or one of whose values holds CR, LF, NUL or
// another control byte (ValidHeaderName, ValidHeaderValue), which could
// end the header or the request early. invalid names the
// latter, for a warning. h itself is returned when nothing is left out;
// it is never changed.
func Sendable(h http.Header) (out http.Header, invalid []string) {
	out = StripFraming(h)
	copied := len(out) != len(h)
	for k, vv := range out {
		if ValidHeaderName(k) && validValues(vv) {
			continue
		}
		if !copied {
			out, copied = copyHeader(h), true
		}
		delete(out, k)
		invalid = append(invalid, k)
	}
	sort.Strings(invalid)
	return out, invalid
}

func copyHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

func validValues(vv []string) bool {
	for _, v := range vv {
		if !ValidHeaderValue(v) {
			return false
		}
	}
	return true
}

// Why Unsendable leaves a header out.
const (
	// ReasonFraming: a framing or hop-by-hop header (IsFraming, or named
	// by Connection).
	ReasonFraming = "a framing or hop-by-hop header: the sending client writes its own (Content-Length from the body, Host from the URL)"
	// ReasonInvalid: a name that is not a token, or a value with a control
	// byte.
	ReasonInvalid = "not sendable: a name that is not a token, or a value with CR, LF, NUL or another control byte"
)

// Refusal is a header a request sent on or again may not carry, and why.
type Refusal struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Unsendable lists the headers of h that Sendable leaves out, sorted by
// name, each with its reason (ReasonFraming or ReasonInvalid): for
// headers a person set or unset on a re-sent request, refused with the
// reason rather than dropped in silence. h is not changed.
func Unsendable(h http.Header) []Refusal {
	out, invalid := Sendable(h)
	var refused []Refusal
	for k := range h {
		if _, kept := out[k]; kept {
			continue
		}
		reason := ReasonFraming
		if slices.Contains(invalid, k) {
			reason = ReasonInvalid
		}
		refused = append(refused, Refusal{Name: k, Reason: reason})
	}
	sort.Slice(refused, func(i, j int) bool { return refused[i].Name < refused[j].Name })
	return refused
}
