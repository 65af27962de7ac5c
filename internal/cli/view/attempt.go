package view

import (
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

// Sent names what a delivery attempt sent: an event of trigger, or a
// capture of replay.
type Sent struct {
	Method, Event, Provider, CaptureID string
	// Label is what a text line shows first: the event, or a capture's id
	// and event type.
	Label string
	URL   string
	// BodyBytes is the size of the body sent.
	BodyBytes int
}

// AttemptPrinter prints one line per delivery attempt (trigger, replay):
// event, target, status, latency and the start of the answer; a JSON
// object per attempt under --json.
type AttemptPrinter interface {
	Attempt(s Sent, a delivery.Attempt, maxAttempts int)
}

// NewAttemptPrinter returns the printer for out. Everything printed goes
// through red (a replay's URL holds a secret put back in its query, and an
// error or an answer may quote one); hinted remembers the hints said
// already, so each is said once.
func NewAttemptPrinter(out Out, red *signature.Redactor, hinted map[string]bool) AttemptPrinter {
	if out.JSON {
		return attemptJSONPrinter{out: out, red: red}
	}
	return attemptText{out: out, red: red, hinted: hinted}
}

// attemptJSON is one attempt under --json.
type attemptJSON struct {
	Type         string        `json:"type"`
	CaptureID    string        `json:"capture_id,omitempty"`
	Event        string        `json:"event"`
	Provider     string        `json:"provider"`
	URL          string        `json:"url"`
	Attempt      int           `json:"attempt"`
	MaxAttempts  int           `json:"max_attempts"`
	Acknowledged bool          `json:"acknowledged"`
	Status       int           `json:"status,omitempty"`
	LatencyMS    float64       `json:"latency_ms"`
	Request      requestJSON   `json:"request"`
	Response     *responseJSON `json:"response,omitempty"`
	Error        string        `json:"error,omitempty"`
	ErrorKind    delivery.Kind `json:"error_kind,omitempty"`
	Hint         string        `json:"hint,omitempty"`
}

type requestJSON struct {
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	BodyBytes int               `json:"body_bytes"`
}

type responseJSON struct {
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	BodyBase64 []byte            `json:"body_base64,omitempty"`
	Truncated  bool              `json:"truncated,omitempty"`
}

// attemptHint is what to tell about an attempt: the delivery error's hint,
// or where a redirect pointed (webhooks are not followed through them).
func attemptHint(a delivery.Attempt) (hint string, derr *delivery.Error) {
	if a.Err != nil {
		derr, _ = a.Err.(*delivery.Error)
	}
	if derr != nil {
		return derr.Hint, derr
	}
	if a.Status >= 300 && a.Status < 400 {
		to := a.Response.Get("Location")
		if to == "" {
			to = "(no Location header)"
		}
		return "redirected to " + to + ": webhooks are not followed through redirects; point --to at the final URL", nil
	}
	return "", nil
}

type attemptJSONPrinter struct {
	out Out
	red *signature.Redactor
}

func (p attemptJSONPrinter) Attempt(s Sent, a delivery.Attempt, max int) {
	hint, derr := attemptHint(a)
	method := s.Method
	if method == "" {
		method = http.MethodPost
	}
	j := attemptJSON{
		Type: "delivery", CaptureID: s.CaptureID, Event: s.Event, Provider: s.Provider, URL: p.red.URL(s.URL),
		Attempt: a.Number, MaxAttempts: max, Acknowledged: a.Acknowledged(), Status: a.Status,
		LatencyMS: float64(a.Latency.Microseconds()) / 1000,
		Request:   requestJSON{Method: method, Headers: p.red.Shown(a.Header), BodyBytes: s.BodyBytes},
		Hint:      hint,
	}
	if a.Err != nil {
		j.Error = p.red.Text(a.Err.Error())
		if derr != nil {
			j.ErrorKind = derr.Kind
		}
	} else {
		resp := &responseJSON{Status: a.Status, Headers: p.red.Shown(a.Response), Truncated: a.Truncated}
		if utf8.Valid(a.Body) {
			resp.Body = p.red.Text(string(a.Body))
		} else {
			// Bytes that are not UTF-8 may still hold a secret.
			resp.BodyBase64 = []byte(p.red.Text(string(a.Body)))
		}
		j.Response = resp
	}
	JSONLine(p.out.Streams.Out, j)
}

type attemptText struct {
	out    Out
	red    *signature.Redactor
	hinted map[string]bool
}

func (p attemptText) Attempt(s Sent, a delivery.Attempt, max int) {
	kind := FailureLine
	if a.Acknowledged() {
		kind = SuccessLine
	}
	if !p.out.Shows(kind) {
		return
	}
	hint, _ := attemptHint(a)
	pal := p.out.Palette
	var status string
	switch {
	case a.Err != nil:
		status = pal.Bad("✘ " + term.Escape(p.red.Text(a.Err.Error())))
	case a.Acknowledged():
		status = pal.OK(fmt.Sprintf("✔ %d %s", a.Status, http.StatusText(a.Status)))
	default:
		status = pal.Bad(fmt.Sprintf("✘ %d %s", a.Status, http.StatusText(a.Status)))
	}
	prefix := ""
	if max > 1 {
		prefix = pal.Dim(fmt.Sprintf("[%d/%d] ", a.Number, max))
	}
	// The label (a capture's id and event type), the target (a capture's
	// path) and the answer are others' bytes: escaped.
	line := fmt.Sprintf("%s%s → %s  %s  %s", prefix, term.Escape(s.Label), term.Escape(p.red.URL(s.URL)), status, Latency(a.Latency))
	if a.Err == nil && len(a.Body) > 0 {
		// Redacted before the cut: a secret across it is hidden whole.
		line += "  " + pal.Dim(Preview([]byte(p.red.Text(string(a.Body))), 60))
	}
	fmt.Fprintln(p.out.Streams.Out, line)
	if hint != "" && !p.hinted[hint] && p.out.Shows(DetailLine) {
		p.hinted[hint] = true
		fmt.Fprintf(p.out.Streams.Err, "hooktool: hint: %s\n", term.Escape(hint))
	}
}
