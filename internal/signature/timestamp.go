package signature

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// The forms a signed timestamp is written in (hmac.timestamp_format). The
// one home of writing and reading them: Signer.Sign writes a scheme's
// timestamp with formatTimestamp, and every parser reads one with
// parseTimestamp, whose moment the tolerance is checked against.
const (
	tsUnix    = "unix"    // seconds since 1970: most providers
	tsUnixMS  = "unix_ms" // milliseconds: HubSpot's X-HubSpot-Request-Timestamp
	tsRFC3339 = "rfc3339" // 2026-11-23T18:00:00Z, fractions and offsets read: Zendesk, Box, Twitch
)

// maxTimestamp bounds a timestamp's text: the longest RFC 3339 time with
// nanoseconds and an offset is 35 bytes.
const maxTimestamp = 64

// formatTimestamp writes t in format: an RFC 3339 time in UTC with whole
// seconds (as Zendesk sends it; the readers of the other providers accept
// it too).
func formatTimestamp(format string, t time.Time) string {
	switch format {
	case tsUnixMS:
		return strconv.FormatInt(t.UnixMilli(), 10)
	case tsRFC3339:
		return t.UTC().Format(time.RFC3339)
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// parseTimestamp reads v, sent in header (or field), in format. A value
// in another of the forms is malformed, and the message says which form
// it looks like.
func parseTimestamp(format, header, v string) (time.Time, *Verdict) {
	v = strings.TrimSpace(v)
	bad := func(want string) (time.Time, *Verdict) {
		why := fmt.Sprintf("%s is not %s", header, want)
		if len(v) <= maxTimestamp {
			if other := timestampFormatOf(v); other != "" && other != format {
				why += " (it looks like " + map[string]string{tsUnix: "unix seconds", tsUnixMS: "unix milliseconds", tsRFC3339: "an RFC 3339 time"}[other] + ": hmac.timestamp_format " + other + "?)"
			}
		}
		f := fail("", ReasonMalformedHeader, header, why)
		return time.Time{}, &f
	}
	if len(v) > maxTimestamp {
		return bad("a timestamp: it is too long")
	}
	switch format {
	case tsUnixMS:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return bad("a unix timestamp in milliseconds")
		}
		return time.UnixMilli(n), nil
	case tsRFC3339:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return bad("an RFC 3339 time (2026-11-23T18:00:00Z)")
		}
		return t, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return bad("a unix timestamp in seconds")
	}
	return time.Unix(n, 0), nil
}

// timestampFormatOf guesses the form v is written in, for a message: 13
// digits or more are milliseconds (after 2001), fewer are seconds.
func timestampFormatOf(v string) string {
	if _, err := strconv.ParseUint(v, 10, 64); err == nil {
		if len(v) >= 13 {
			return tsUnixMS
		}
		return tsUnix
	}
	if _, err := time.Parse(time.RFC3339, v); err == nil {
		return tsRFC3339
	}
	return ""
}

// fieldPath is a signature_field or timestamp_field: a field name, or names
// joined by dots for a nested JSON field.
var fieldPath = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

func validFieldPath(p string) bool { return len(p) <= 128 && fieldPath.MatchString(p) }

// bodyField is the value at path in a JSON body (a gjson path: a string's
// characters, a number as written), or the parameter named path in a form.
func bodyField(body []byte, path string) string {
	if isJSONObject(body) {
		return strings.TrimSpace(jsonText(gjson.GetBytes(body, path)))
	}
	q, _ := url.ParseQuery(string(body))
	return strings.TrimSpace(q.Get(path))
}
