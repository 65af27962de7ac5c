package listener

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

// Hostile input through the real handler, over real HTTP, into a real
// capture file. Every case checks: the status; that a kept body reads back
// from the file byte for byte; the event type (and "" for bodies that
// cannot yield one: they are kept, labelled "", not dropped); the verdict;
// that re-verifying the kept record takes well under a second and agrees
// (no quadratic header parsing); and that the whole request takes bounded
// time. Run with -v to see the outcome table.

// hostileSecret is valid for every scheme: Standard Webhooks decodes the
// part after whsec_, the others use the whole string.
var (
	hostileSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("hostile-key-0123456789"))
	hostileNow    = time.Unix(1_800_000_000, 0)
	hostileHMAC   = signature.HMACConfig{Header: "X-Signature", Prefix: "sha256=", Hash: "sha256", Encoding: "hex"}
)

// hostileScheme returns the named scheme ("" is github).
func hostileScheme(t testing.TB, name string) signature.Scheme {
	t.Helper()
	if name == "" {
		name = "github"
	}
	s, err := signature.Lookup(name, signature.Options{HMAC: hostileHMAC})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hostileSign returns the header values that sign body under scheme as of
// hostileNow, by header name.
func hostileSign(t testing.TB, scheme string, body []byte) map[string]string {
	t.Helper()
	fields, err := signature.Sign(hostileScheme(t, scheme), signature.NewSecret(hostileSecret),
		signature.SignInput{Body: body, ID: "msg_hostile", Timestamp: hostileNow})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range fields {
		out[f.Name] = f.Value
	}
	return out
}

// hostileGHSig is the valid X-Hub-Signature-256 value of body.
func hostileGHSig(t testing.TB, body []byte) string {
	t.Helper()
	return hostileSign(t, "github", body)["X-Hub-Signature-256"]
}

// hostileReq is a request sent with net/http's client.
func hostileReq(body []byte, hdr http.Header) func(url string) (*http.Request, error) {
	return func(url string) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, url+"/hook", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		for k, vs := range hdr {
			req.Header[k] = vs // as given: not canonicalised, repeated values kept
		}
		return req, nil
	}
}

// hostileSignedReq posts body with a valid github signature plus extra headers.
func hostileSignedReq(t testing.TB, body []byte, extra http.Header) func(string) (*http.Request, error) {
	hdr := http.Header{"X-Hub-Signature-256": {hostileGHSig(t, body)}, "Content-Type": {"application/json"}}
	for k, vs := range extra {
		hdr[k] = vs
	}
	return hostileReq(body, hdr)
}

// hostileRawPost is a raw HTTP/1.1 POST with the given header lines (each without
// CRLF) and a Content-Length body.
func hostileRawPost(body []byte, headerLines ...string) string {
	var b strings.Builder
	b.WriteString("POST /hook HTTP/1.1\r\nHost: hooktool.test\r\n")
	for _, l := range headerLines {
		b.WriteString(l + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	b.Write(body)
	return b.String()
}

// hostileRawSend writes request on a new connection (from another goroutine, so a
// server that answers before reading everything, as with 431, is heard)
// and reads one response. It returns status 0 if the server hung up
// without answering.
func hostileRawSend(t testing.TB, addr, request string) (int, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	go func() { _, _ = io.WriteString(c, request) }()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type hostileCase struct {
	name   string
	scheme string // "" is github
	// Exactly one of req (net/http's client) and raw (bytes on a
	// connection) makes the request.
	req func(url string) (*http.Request, error)
	raw string

	wantStatus int
	// body is what must be kept, byte for byte; nil means nothing is kept.
	body       []byte
	wantEvent  string
	wantReason signature.Reason
}

type hostileOutcome struct {
	name, scheme, event, verdict string
	status                       int
	kept                         bool
	took                         time.Duration
}

func hostileNested(open string, n int) []byte { return bytes.Repeat([]byte(open), n) }

func hostileGzip(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func hostileCases(t *testing.T) []hostileCase {
	const event = "transfer.completed"
	plain := []byte(`{"event":"transfer.completed","data":{"amount":5000}}`)

	deepArr := hostileNested("[", 100_000)
	deepObj := hostileNested(`{"a":`, 100_000)
	// Valid JSON 100,000 levels deep, with the event type at the top level
	// after the nested value: gjson must skip the depth to find it.
	deepValid := append(append(append([]byte(`{"a":`), hostileNested(`{"a":`, 99_999)...), '1'), bytes.Repeat([]byte("}"), 99_999)...)
	deepValid = append(deepValid, `,"event":"deep.nested"}`...)

	// Re-indenting these (a mismatch's diagnosis tries it) would take
	// hundreds of MB: depth times values.
	deepSmall := append(hostileNested("[", 9_999), bytes.Repeat([]byte("]"), 9_999)...)
	wide := append(append(hostileNested("[", 60), bytes.Repeat([]byte("1,"), 512<<10)...), '1')
	wide = append(wide, bytes.Repeat([]byte("]"), 60)...)

	hugeStr := append(append([]byte(`{"event":"huge.string","data":"`), bytes.Repeat([]byte("x"), 4<<20)...), `"}`...)
	bigStr := append(append([]byte(`{"event":"big.string","data":"`), bytes.Repeat([]byte("x"), 1<<20)...), `"}`...)
	hugeEvent := strings.Repeat("e", 4<<20)
	hugeEventBody := []byte(`{"event":"` + hugeEvent + `"}`)

	bom := append([]byte("\xEF\xBB\xBF"), plain...)
	latin1 := []byte("{\"event\":\"caf\xe9\",\"note\":\"\xff\xfe\"}")
	binary := []byte("\xff\xfe\xfd\x00\x80garbage\xc3\x28")
	nulJSON := []byte("{\"event\":\"nul.inside\",\"a\":\"x\x00y\"}\x00\x00")
	nuls := bytes.Repeat([]byte{0}, 1024)
	zipped := hostileGzip(t, plain)
	form := []byte("payload=%7B%22event%22%3A%22push%22%7D&event=push&x=%00%FF")

	chunks := []byte(`{"event":"chunked.ok","n":[1,2,3]}`)
	chunkedRaw := "POST /hook HTTP/1.1\r\nHost: hooktool.test\r\nTransfer-Encoding: chunked\r\n" +
		"X-Hub-Signature-256: " + hostileGHSig(t, chunks) + "\r\nConnection: close\r\n\r\n" +
		"5;ext=\"v\"\r\n" + string(chunks[:5]) + "\r\n" +
		"1\r\n" + string(chunks[5:6]) + "\r\n" +
		fmt.Sprintf("%x", len(chunks)-6) + "\r\n" + string(chunks[6:]) + "\r\n" +
		"0\r\nX-Trailer: t\r\n\r\n"
	teAndCL := "POST /hook HTTP/1.1\r\nHost: hooktool.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n" +
		"X-Hub-Signature-256: " + hostileGHSig(t, chunks) + "\r\nConnection: close\r\n\r\n" +
		fmt.Sprintf("%x", len(chunks)) + "\r\n" + string(chunks) + "\r\n0\r\n\r\n"

	sig := hostileGHSig(t, plain)
	wrong := "sha256=" + strings.Repeat("0", 64)
	upperHex := "sha256=" + strings.ToUpper(strings.TrimPrefix(sig, "sha256="))

	// 1000 X-Hub-Signature-256 values: net/http keeps them in order and
	// the scheme reads the first.
	firstOK := append([]string{sig}, hostileRepeat(wrong, 999)...)
	lastOK := append(hostileRepeat(wrong, 999), sig)

	// Stripe-Signature with 10,000 v1= entries, the good one last.
	stripeGood := hostileSign(t, "stripe", plain)["Stripe-Signature"]
	ts, goodV1, _ := strings.Cut(stripeGood, ",")
	stripeMany := ts + strings.Repeat(",v1="+strings.Repeat("ab", 32), 9_999) + "," + goodV1
	stripeManyBad := ts + strings.Repeat(",v1="+strings.Repeat("ab", 32), 10_000)
	stripeManyVersions := ts + strings.Repeat(",v0="+strings.Repeat("ab", 32), 10_000)
	stripeManyTs := strings.Repeat("t=1,", 10_000) + stripeGood

	// webhook-signature with 10,000 space-separated signatures.
	sw := hostileSign(t, "standard-webhooks", plain)
	swHeaders := func(sigs string) http.Header {
		return http.Header{"Webhook-Id": {sw["webhook-id"]}, "Webhook-Timestamp": {sw["webhook-timestamp"]}, "Webhook-Signature": {sigs}}
	}
	otherSW := "v1," + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	swMany := strings.Repeat(otherSW+" ", 9_999) + sw["webhook-signature"]
	swManyBad := strings.TrimSpace(strings.Repeat(otherSW+" ", 10_000))
	swManyV2 := strings.TrimSpace(strings.Repeat("v2,"+strings.Repeat("A", 43)+"= ", 10_000))

	hm := hostileSign(t, "hmac", plain)["X-Signature"]

	bigHeader := "X-Big: " + strings.Repeat("a", 1<<20+64<<10)
	nearLimit := "X-Big: " + strings.Repeat("a", 1<<20-2048)

	manyNames := http.Header{"X-Hub-Signature-256": {sig}}
	for i := range 10_000 {
		manyNames[fmt.Sprintf("X-H-%05d", i)] = []string{"v"}
	}

	return []hostileCase{
		// ---- bodies ----
		{name: "body: invalid JSON (not JSON at all)", req: hostileSignedReq(t, []byte(`{event: transfer.completed,,}`), nil),
			wantStatus: 200, body: []byte(`{event: transfer.completed,,}`), wantEvent: "", wantReason: signature.ReasonValid},
		{name: "body: invalid JSON (truncated after the event)", req: hostileSignedReq(t, plain[:30], nil),
			wantStatus: 200, body: plain[:30], wantEvent: event, wantReason: signature.ReasonValid},
		{name: "body: UTF-8 BOM before JSON", req: hostileSignedReq(t, bom, nil),
			wantStatus: 200, body: bom, wantEvent: "", wantReason: signature.ReasonValid},
		{name: "body: 100,000 levels of [", req: hostileSignedReq(t, deepArr, nil),
			wantStatus: 200, body: deepArr, wantEvent: "", wantReason: signature.ReasonValid},
		{name: `body: 100,000 levels of {"a":`, req: hostileSignedReq(t, deepObj, nil),
			wantStatus: 200, body: deepObj, wantEvent: "", wantReason: signature.ReasonValid},
		{name: "body: valid JSON 100,000 deep, event after it", req: hostileSignedReq(t, deepValid, nil),
			wantStatus: 200, body: deepValid, wantEvent: "deep.nested", wantReason: signature.ReasonValid},
		{name: "body: 100,000 deep, signature wrong (diagnosis runs)", req: hostileReq(deepValid, http.Header{"X-Hub-Signature-256": {wrong}}),
			wantStatus: 200, body: deepValid, wantEvent: "deep.nested", wantReason: signature.ReasonMismatch},
		{name: "body: 20 KB of nested arrays, signature wrong", req: hostileReq(deepSmall, http.Header{"X-Hub-Signature-256": {wrong}}),
			wantStatus: 200, body: deepSmall, wantEvent: "", wantReason: signature.ReasonMismatch},
		{name: "body: 1 MiB of short values 60 deep, signature wrong", req: hostileReq(wide, http.Header{"X-Hub-Signature-256": {wrong}}),
			wantStatus: 200, body: wide, wantEvent: "", wantReason: signature.ReasonMismatch},
		{name: "body: 4 MiB string (MaxBody 5 MiB)", req: hostileSignedReq(t, hugeStr, nil),
			wantStatus: 200, body: hugeStr, wantEvent: "huge.string", wantReason: signature.ReasonValid},
		{name: "body: 4 MiB event value", req: hostileSignedReq(t, hugeEventBody, nil),
			wantStatus: 200, body: hugeEventBody, wantEvent: hugeEvent, wantReason: signature.ReasonValid},
		{name: "body: 1 MiB string, signature wrong", req: hostileReq(bigStr, http.Header{"X-Hub-Signature-256": {wrong}}),
			wantStatus: 200, body: bigStr, wantEvent: "big.string", wantReason: signature.ReasonMismatch},
		{name: "body: JSON with non-UTF-8 bytes in the event", req: hostileSignedReq(t, latin1, nil),
			wantStatus: 200, body: latin1, wantEvent: "caf\uFFFD", wantReason: signature.ReasonValid},
		{name: "body: binary, not UTF-8", req: hostileSignedReq(t, binary, http.Header{"Content-Type": {"application/octet-stream"}}),
			wantStatus: 200, body: binary, wantEvent: "", wantReason: signature.ReasonValid},
		{name: "body: JSON with raw NUL bytes", req: hostileSignedReq(t, nulJSON, nil),
			wantStatus: 200, body: nulJSON, wantEvent: "nul.inside", wantReason: signature.ReasonValid},
		{name: "body: 1 KiB of NUL", req: hostileSignedReq(t, nuls, nil),
			wantStatus: 200, body: nuls, wantEvent: "", wantReason: signature.ReasonValid},
		{name: "body: gzip Content-Encoding (kept compressed)", req: hostileSignedReq(t, zipped, http.Header{"Content-Encoding": {"gzip"}}),
			wantStatus: 200, body: zipped, wantEvent: "", wantReason: signature.ReasonValid},
		{name: "body: chunked, with a chunk extension and a trailer (raw)", raw: chunkedRaw,
			wantStatus: 200, body: chunks, wantEvent: "chunked.ok", wantReason: signature.ReasonValid},
		{name: "body: chunked via net/http (no Content-Length)", req: func(url string) (*http.Request, error) {
			req, err := hostileSignedReq(t, plain, nil)(url)
			if err == nil {
				req.Body, req.ContentLength = io.NopCloser(hostileStreamed{bytes.NewReader(plain)}), -1
			}
			return req, err
		}, wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		// RFC 9112 6.3: Transfer-Encoding overrides Content-Length.
		{name: "body: chunked and Content-Length both (raw)", raw: teAndCL,
			wantStatus: 200, body: chunks, wantEvent: "chunked.ok", wantReason: signature.ReasonValid},
		// A form body's event_path names a parameter (catalog.FieldIn).
		{name: "body: form-encoded", req: hostileSignedReq(t, form, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}),
			wantStatus: 200, body: form, wantEvent: "push", wantReason: signature.ReasonValid},
		{name: "body: empty, Content-Length 0", req: hostileSignedReq(t, []byte{}, nil),
			wantStatus: 200, body: []byte{}, wantEvent: "", wantReason: signature.ReasonValid},
		{name: "body: empty, no Content-Length (raw)", raw: "POST /hook HTTP/1.1\r\nHost: hooktool.test\r\nX-Hub-Signature-256: " + hostileGHSig(t, nil) + "\r\nConnection: close\r\n\r\n",
			wantStatus: 200, body: []byte{}, wantEvent: "", wantReason: signature.ReasonValid},

		// ---- headers ----
		{name: "headers: over 1 MiB (raw)", raw: hostileRawPost(plain, "X-Hub-Signature-256: "+sig, bigHeader),
			wantStatus: 431, body: nil},
		{name: "headers: just under 1 MiB (raw)", raw: hostileRawPost(plain, "X-Hub-Signature-256: "+sig, nearLimit),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "headers: 10,000 distinct names", req: hostileReq(plain, manyNames),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "sig: 1000 X-Hub-Signature-256, first valid", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": firstOK}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "sig: 1000 X-Hub-Signature-256, only the last valid", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": lastOK}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMismatch},
		{name: "sig: header name in odd casing (raw)", raw: hostileRawPost(plain, "x-hUB-sIgNaTuRe-256: "+sig),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "sig: value wrapped in spaces and tabs (raw)", raw: hostileRawPost(plain, "X-Hub-Signature-256: \t  "+sig+" \t "),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "sig: no space after the colon (raw)", raw: hostileRawPost(plain, "X-Hub-Signature-256:"+sig),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		// GitHub's official @octokit/webhooks-methods compares the text with
		// the lower-case hex it computes, and refuses upper case (issue 17,
		// bench/interop); go-github, which decodes the hex, accepts it.
		{name: "sig: upper-case hex digits", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": {upperHex}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMismatch},
		{name: "sig: upper-case SHA256= prefix", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": {"SHA256=" + strings.TrimPrefix(sig, "sha256=")}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonUnsupportedVersion},
		{name: "sig: spaces around = inside the value", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": {"sha256 = " + strings.TrimPrefix(sig, "sha256=")}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonUnsupportedVersion},
		{name: "sig: space before the colon (raw)", raw: hostileRawPost(plain, "X-Hub-Signature-256 : "+sig),
			wantStatus: 400, body: nil},
		{name: "sig: NUL inside the value (raw)", raw: hostileRawPost(plain, "X-Hub-Signature-256: "+sig+"\x00"),
			wantStatus: 400, body: nil},
		// net/http joins an obs-fold line with a space (RFC 9112 5.2 allows
		// it), which the hex then does not survive.
		{name: "sig: obs-fold continuation line (raw)", raw: hostileRawPost(plain, "X-Hub-Signature-256: sha256=", " "+strings.TrimPrefix(sig, "sha256=")),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMalformedHeader},
		{name: "sig: unknown version sha512=", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": {"sha512=" + strings.Repeat("ab", 64)}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonUnsupportedVersion},
		{name: "sig: unknown version, 100 KiB algorithm name", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": {strings.Repeat("z", 100<<10) + "=00"}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMalformedHeader},
		{name: "sig: empty value", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": {""}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMissingHeader},
		{name: "sig: sha256= and nothing after", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": {"sha256="}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMismatch},
		{name: "sig: 10,000 comma-separated github entries", req: hostileReq(plain, http.Header{"X-Hub-Signature-256": {strings.Repeat(sig+",", 9_999) + sig}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMalformedHeader},
		{name: "stripe: 10,000 v1= entries, the good one last", scheme: "stripe", req: hostileReq(plain, http.Header{"Stripe-Signature": {stripeMany}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "stripe: 10,000 v1= entries, none good", scheme: "stripe", req: hostileReq(plain, http.Header{"Stripe-Signature": {stripeManyBad}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMismatch},
		{name: "stripe: 10,000 unknown v0= entries", scheme: "stripe", req: hostileReq(plain, http.Header{"Stripe-Signature": {stripeManyVersions}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonUnsupportedVersion},
		{name: "stripe: 10,000 t= entries, then a good t= and v1=", scheme: "stripe", req: hostileReq(plain, http.Header{"Stripe-Signature": {stripeManyTs}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		// Stripe's libraries split on "," and "=" without trimming (issue 12, item 19).
		{name: "stripe: odd whitespace around entries", scheme: "stripe", req: hostileReq(plain, http.Header{"Stripe-Signature": {" " + strings.ReplaceAll(stripeGood, ",", " ,\t ") + " "}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMalformedHeader},
		{name: "stripe: empty entries (,,,)", scheme: "stripe", req: hostileReq(plain, http.Header{"Stripe-Signature": {",,," + stripeGood}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMalformedHeader},
		{name: "standard-webhooks: 10,000 signatures, the good one last", scheme: "standard-webhooks", req: hostileReq(plain, swHeaders(swMany)),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "standard-webhooks: 10,000 signatures, none good", scheme: "standard-webhooks", req: hostileReq(plain, swHeaders(swManyBad)),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMismatch},
		{name: "standard-webhooks: 10,000 v2 signatures", scheme: "standard-webhooks", req: hostileReq(plain, swHeaders(swManyV2)),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonUnsupportedVersion},
		{name: "standard-webhooks: tabs and runs of spaces between", scheme: "standard-webhooks", req: hostileReq(plain, swHeaders(otherSW+" \t  \t"+sw["webhook-signature"])),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "standard-webhooks: empty signature header", scheme: "standard-webhooks", req: hostileReq(plain, swHeaders("")),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMissingHeader},
		{name: "hmac: valid", scheme: "hmac", req: hostileReq(plain, http.Header{"X-Signature": {hm}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
		{name: "hmac: 10,000 comma-separated entries", scheme: "hmac", req: hostileReq(plain, http.Header{"X-Signature": {strings.Repeat(hm+",", 9_999) + hm}}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonMalformedHeader},
		{name: "hmac: 1000 values, first valid", scheme: "hmac", req: hostileReq(plain, http.Header{"X-Signature": append([]string{hm}, hostileRepeat("sha256=00", 999)...)}),
			wantStatus: 200, body: plain, wantEvent: event, wantReason: signature.ReasonValid},
	}
}

// hostileSlowdown scales time bounds: the race detector makes Go code (a 4 MiB
// body scanned as JSON while a mismatch is diagnosed) 10 to 20 times slower.
// Quadratic work is slower still: 20 KB of nested arrays took 10 s to
// diagnose (without -race) before re-indenting was bounded.
func hostileSlowdown() time.Duration {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				return 20
			}
		}
	}
	return 1
}

func hostileRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// hostileStreamed hides a reader's length, so net/http sends it chunked.
type hostileStreamed struct{ r io.Reader }

func (s hostileStreamed) Read(p []byte) (int, error) { return s.r.Read(p) }

func TestHostileInput(t *testing.T) {
	cases := hostileCases(t)
	var mu sync.Mutex
	var outcomes []hostileOutcome
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				o := runHostile(t, tc)
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
			})
		}
	})
	order := map[string]int{}
	for i, tc := range cases {
		order[tc.name] = i
	}
	sort.Slice(outcomes, func(i, j int) bool { return order[outcomes[i].name] < order[outcomes[j].name] })
	var b strings.Builder
	b.WriteString("\n| case | scheme | status | kept | event | verdict | took |\n|---|---|---|---|---|---|---|\n")
	for _, o := range outcomes {
		ev := o.event
		if len(ev) > 24 {
			ev = fmt.Sprintf("%q… (%d bytes)", ev[:12], len(ev))
		}
		if ev == "" || len(o.event) <= 24 {
			ev = fmt.Sprintf("%q", o.event)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %v | %s | %s | %v |\n", o.name, o.scheme, o.status, o.kept, ev, o.verdict, o.took.Round(time.Millisecond))
	}
	t.Log(b.String())
}

func runHostile(t *testing.T, tc hostileCase) hostileOutcome {
	scheme := hostileScheme(t, tc.scheme)
	path := filepath.Join(t.TempDir(), "capture.jsonl")
	w, err := capture.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var (
		mu  sync.Mutex
		got []Delivery
	)
	h := mustNew(t, Options{
		Scheme: scheme, Secrets: []signature.Secret{signature.NewSecret(hostileSecret)}, Tolerance: signature.DefaultTolerance,
		EventPath: "event", MaxBody: 5 << 20, Store: w, Now: func() time.Time { return hostileNow },
		OnDelivery: func(d Delivery) { mu.Lock(); got = append(got, d); mu.Unlock() },
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.MaxHeaderBytes = 1 << 20 // as internal/cli/listen.go sets it
	srv.Start()
	defer srv.Close()

	start := time.Now()
	var status int
	if tc.req != nil {
		req, err := tc.req(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	} else {
		status, _ = hostileRawSend(t, srv.Listener.Addr().String(), tc.raw)
	}
	took := time.Since(start)
	srv.Close() // waits for the handler
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if took > 10*time.Second*hostileSlowdown() {
		t.Errorf("the request took %v", took)
	}
	out := hostileOutcome{name: tc.name, scheme: scheme.Name(), status: status, took: took}
	if status != tc.wantStatus {
		t.Errorf("status %d, want %d", status, tc.wantStatus)
	}

	var kept []*capture.Record
	err = capture.ReadFile(path, capture.ReadOptions{Warn: func(s string) { t.Errorf("capture warning: %s", s) }},
		func(r *capture.Record, _ int) error { kept = append(kept, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	out.kept = len(kept) > 0
	if tc.body == nil {
		if len(kept) != 0 {
			t.Errorf("%d records kept, want none", len(kept))
		}
		mu.Lock()
		defer mu.Unlock()
		for _, d := range got {
			if d.Refused == "" {
				t.Errorf("OnDelivery saw an accepted delivery: %+v", d.Record.Answer)
			}
		}
		out.verdict = "-"
		return out
	}
	if len(kept) != 1 {
		t.Fatalf("%d records kept, want 1", len(kept))
	}
	rec := kept[0]
	body, err := rec.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, tc.body) {
		t.Errorf("kept body differs: %d bytes, want %d", len(body), len(tc.body))
	}
	if rec.BodySize != len(tc.body) {
		t.Errorf("body_size %d, want %d", rec.BodySize, len(tc.body))
	}
	out.event = rec.Event
	if rec.Event != tc.wantEvent {
		t.Errorf("event %.40q (%d bytes), want %.40q", rec.Event, len(rec.Event), tc.wantEvent)
	}
	if rec.Verdict == nil {
		t.Fatal("no verdict, though a scheme and a secret are set")
	}
	out.verdict = string(rec.Verdict.Reason)
	if rec.Verdict.Reason != tc.wantReason || rec.Verdict.Valid != (tc.wantReason == signature.ReasonValid) {
		t.Errorf("verdict %s (%s), want %s", rec.Verdict.Reason, rec.Verdict.Message, tc.wantReason)
	}
	// The kept record verifies again the same way, in bounded time.
	vstart := time.Now()
	v, err := signature.Verify(scheme, signature.Message{Header: rec.Headers, Body: body},
		[]signature.Secret{signature.NewSecret(hostileSecret)}, signature.VerifyOptions{Now: hostileNow, Tolerance: signature.DefaultTolerance})
	if err != nil {
		t.Fatal(err)
	}
	// A guard against work that grows out of bounds (a quadratic parse is
	// minutes), not a speed target: the same bound as the request's, as a
	// 1 MiB body's diagnosis takes about a second on a loaded machine.
	if el := time.Since(vstart); el > 10*time.Second*hostileSlowdown() {
		t.Errorf("verifying the kept record took %v", el)
	}
	if v.Reason != rec.Verdict.Reason {
		t.Errorf("re-verifying the kept record: %s, the listener said %s", v.Reason, rec.Verdict.Reason)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Refused != "" {
		t.Errorf("OnDelivery calls %d, want one accepted delivery", len(got))
	}
	return out
}

// hostileFuzzStore keeps records as listen writes them: one JSON line each.
type hostileFuzzStore struct {
	mu    sync.Mutex
	lines []byte
}

func (s *hostileFuzzStore) Append(r *capture.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.lines, err = r.AppendJSON(s.lines); err != nil {
		return err
	}
	s.lines = append(s.lines, '\n')
	return nil
}

// FuzzRequestToRecord builds requests directly (any method, target,
// headers and body bytes, with the body's declared length exact, unknown,
// too long or too short; with and without MaxBody) and serves them: no
// panic; a body that is whole
// and within MaxBody is answered 200 and kept in a line that reads back
// with the exact bytes; any other body is refused and nothing is kept.
//
//	go test ./internal/listener -run '^$' -fuzz '^FuzzRequestToRecord$' -fuzztime 30s
func FuzzRequestToRecord(f *testing.F) {
	const maxBody = 64 << 10
	plain := []byte(`{"event":"transfer.completed","data":{"amount":5000}}`)
	sigLine := func(body []byte) string { return "X-Hub-Signature-256: " + hostileGHSig(f, body) + "\n" }
	for _, seed := range []struct {
		method, target, headers string
		body                    []byte
		mode                    uint8
	}{
		{"POST", "/hook", sigLine(plain) + "Content-Type: application/json\nUser-Agent: acme/1", plain, 0},
		{"POST", "/hook?a=1&b=%zz", sigLine(plain), plain, 1},
		{"PUT", "/hooks/%2F..%2f?x#frag", "x-hub-signature-256: sha256=00\nX-Hub-Signature-256:  SHA256=00 ", plain, 0},
		{"POST", "/", "Content-Encoding: gzip", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"), 0},
		{"POST", "/hook", sigLine([]byte("caf\xe9\x00")), []byte("caf\xe9\x00"), 0},
		{"GET", "/?q=\xff", "", nil, 0},
		{"POST", "/hook", sigLine(plain), plain, 2},
		{"POST", "/hook", sigLine(plain), plain, 3},
		{"M\x00\xff", "*", "\xff\xfe: \x00\nK:\nK:v2", []byte(`[[[[[[{"event":1e999}`), 1},
		{"POST", "http://evil.test/abs?x=1", "Host: other", []byte(`{"event":"\ud800"}`), 0},
		{"POST", "/hook", "Stripe-Signature: t=1,v1=zz,v0=aa\nwebhook-signature: v1,AAAA v2,BBBB", []byte("event=x&y=1"), 0},
		{"POST", "/hook", sigLine(plain), plain, 4},     // no MaxBody
		{"POST", "/hook", sigLine(plain), plain, 4 + 2}, // no MaxBody, cut short
		{"POST", "/hook", sigLine(plain), plain, 4 + 3}, // no MaxBody, longer than declared
	} {
		f.Add(seed.method, seed.target, seed.headers, seed.body, seed.mode)
	}
	scheme := hostileScheme(f, "github")
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, mode uint8) {
		store := &hostileFuzzStore{}
		calls := 0
		limit := int64(maxBody)
		if mode&4 != 0 {
			limit = 0 // no limit
		}
		h := mustNew(t, Options{
			Scheme: scheme, Secrets: []signature.Secret{signature.NewSecret(hostileSecret)}, Tolerance: signature.DefaultTolerance,
			EventPath: "event", WebhookPath: "/hook", MaxBody: limit, Store: store,
			Now: func() time.Time { return hostileNow }, OnDelivery: func(Delivery) { calls++ },
		})
		u, err := url.ParseRequestURI(target)
		if err != nil {
			p, q, _ := strings.Cut(target, "?")
			u = &url.URL{Path: p, RawQuery: q}
		}
		req := &http.Request{
			Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{},
			Host: "127.0.0.1:4242", RemoteAddr: "192.0.2.7:4567", RequestURI: target,
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		}
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				req.Header[k] = append(req.Header[k], strings.TrimSpace(v)) // not canonicalised
			}
		}
		whole := true
		switch mode % 4 {
		case 1:
			req.ContentLength = -1 // chunked: the length is not known
		case 2:
			req.ContentLength++ // the body is cut short
			whole = false
		case 3:
			if len(body) >= 2 {
				req.ContentLength-- // more body than declared
				whole = false
			}
		}
		if req.ContentLength == 0 {
			req.Body = http.NoBody // as net/http serves a request without a body
		}
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, req)
		if calls != 1 {
			t.Fatalf("OnDelivery called %d times", calls)
		}
		if capture.CheckPath(u.EscapedPath()) != nil {
			if rr.Code != http.StatusBadRequest || len(store.lines) != 0 {
				t.Fatalf("a path that is not a path (%q): status %d, kept %s", u.EscapedPath(), rr.Code, store.lines)
			}
			return
		}
		if !whole || limit > 0 && int64(len(body)) > limit {
			if rr.Code != http.StatusBadRequest && rr.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("a body that is not whole or too big: status %d", rr.Code)
			}
			if len(store.lines) != 0 {
				t.Fatalf("kept a refused body: %s", store.lines)
			}
			return
		}
		if rr.Code != http.StatusOK {
			t.Fatalf("status %d (%s)", rr.Code, rr.Body)
		}
		var kept []*capture.Record
		if err := capture.Read(bytes.NewReader(store.lines), "fuzz", capture.ReadOptions{}, func(r *capture.Record, _ int) error {
			kept = append(kept, r)
			return nil
		}); err != nil || len(kept) != 1 {
			t.Fatalf("the kept line does not read back as one record (%v): %s", err, store.lines)
		}
		got, err := kept[0].Bytes()
		if err != nil || !bytes.Equal(got, body) || kept[0].BodySize != len(body) {
			t.Fatalf("kept body %q (%v), want %q", got, err, body)
		}
		if kept[0].Verdict == nil || kept[0].Answer.Status != http.StatusOK {
			t.Fatalf("kept record has verdict %v, answer %+v", kept[0].Verdict, kept[0].Answer)
		}
	})
}

// TestHostileDeclaredLengthWithoutMaxBody: with no MaxBody (the library's
// zero value), a declared Content-Length must not size an allocation: the
// sender declares a terabyte or 2^63-1 bytes, sends a few and hangs up.
func TestHostileDeclaredLengthWithoutMaxBody(t *testing.T) {
	for _, cl := range []string{"1099511627776", "9223372036854775807"} {
		t.Run(cl, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "capture.jsonl")
			w, err := capture.Create(path, false)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			var mu sync.Mutex
			var refused []string
			srv := httptest.NewServer(mustNew(t, Options{Store: w, EventPath: "event", OnDelivery: func(d Delivery) {
				mu.Lock()
				refused = append(refused, d.Refused)
				mu.Unlock()
			}}))
			defer srv.Close()
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(c, "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: %s\r\n\r\n{\"event\":\"x\"", cl)
			c.(*net.TCPConn).CloseWrite()
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer (the handler panicked?): %v", err)
			}
			resp.Body.Close()
			srv.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(refused) != 1 || refused[0] == "" {
				t.Errorf("deliveries %q, want one refused", refused)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(path); err != nil || st.Size() != 0 {
				t.Errorf("something was kept")
			}
		})
	}
}
