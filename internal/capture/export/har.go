package export

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/httpx"
)

// HAR is a HAR 1.2 document (http://www.softwareishard.com/blog/har-12-spec/)
// of deliveries: each request as it was received (headers as they came,
// URL on the address it came to), the listener's answer, and hooktool's
// own fields under "_hooktool".
type HAR struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string         `json:"startedDateTime"`
	Time            float64        `json:"time"`
	Request         harRequest     `json:"request"`
	Response        harResponse    `json:"response"`
	Cache           struct{}       `json:"cache"`
	Timings         harTimings     `json:"timings"`
	Comment         string         `json:"comment,omitempty"`
	Hooktool        map[string]any `json:"_hooktool,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harNV      `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"encoding,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// NewHAR returns an empty document; version is hooktool's, for its
// creator field.
func NewHAR(version string) *HAR {
	return &HAR{Log: harLog{Version: "1.2", Creator: harCreator{"hooktool", version}, Entries: []harEntry{}}}
}

// Add appends r as an entry.
func (h *HAR) Add(r *capture.Record) error {
	body, err := r.Bytes()
	if err != nil {
		return err
	}
	url, err := captureURL(r, ReceivedURL(r), httpx.PathReplace)
	if err != nil {
		return err
	}
	e := harEntry{
		StartedDateTime: r.ReceivedAt.Format(time.RFC3339Nano),
		Request: harRequest{
			Method: r.Method, URL: url, HTTPVersion: cmp.Or(r.Proto, "HTTP/1.1"),
			Cookies: []harNV{}, Headers: []harNV{}, QueryString: []harNV{}, HeadersSize: -1, BodySize: len(body),
		},
		Response: harResponse{
			Status: r.Answer.Status, StatusText: http.StatusText(r.Answer.Status), HTTPVersion: "HTTP/1.1",
			Cookies: []harNV{}, Headers: []harNV{}, Content: harContent{MimeType: ""}, HeadersSize: -1, BodySize: -1,
		},
		Timings: harTimings{Send: 0, Wait: float64(r.Answer.DelayMS), Receive: 0},
		Comment: r.ID,
		Hooktool: map[string]any{
			"id": r.ID, "event": r.Event, "provider": r.Provider, "verdict": r.VerdictLabel(),
		},
	}
	e.Time = e.Timings.Wait
	// The headers as received (a HAR string holds UTF-8 only: bytes that
	// are not become U+FFFD).
	headers, err := r.HeaderBytes()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range headers[k] {
			e.Request.Headers = append(e.Request.Headers, harNV{k, v})
		}
	}
	for _, kv := range strings.Split(r.Query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		e.Request.QueryString = append(e.Request.QueryString, harNV{k, v})
	}
	if len(body) > 0 {
		pd := &harPostData{MimeType: r.Headers.Get("Content-Type")}
		if r.BodyEncoding == capture.BodyBase64 {
			pd.Text, pd.Encoding = r.Body, "base64"
		} else {
			pd.Text = r.Body
		}
		e.Request.PostData = pd
	}
	h.Log.Entries = append(h.Log.Entries, e)
	return nil
}

// Encode writes the document as indented JSON.
func (h *HAR) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(h)
}
