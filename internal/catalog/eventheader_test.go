package catalog

import (
	"net/http"
	"strings"
	"testing"
)

// TestEventHeader: a provider that sends the event type in a header needs
// no event_path; the header is read first, the body path after; trigger's
// headers carry the event's name.
func TestEventHeader(t *testing.T) {
	p, err := Parse("gh.yaml", []byte("id: gh\nname: GH\nevent_header: X-GitHub-Event\nevents:\n  - name: push\n    sample: '{\"ref\": \"refs/heads/main\"}'\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := p.Headers("push")
	if got := h.Get("X-Github-Event"); got != "push" || h.Get("Content-Type") != "application/json" {
		t.Errorf("Headers(push) = %v", h)
	}
	if got := p.EventOf(h, []byte(`{"event":"other"}`)); got != "push" {
		t.Errorf("EventOf = %q, want push", got)
	}
	if got := p.EventOf(http.Header{}, []byte(`{"event":"other"}`)); got != "" {
		t.Errorf("EventOf without the header = %q, want nothing (no event_path)", got)
	}
	if got := EventFrom(http.Header{}, []byte(`{"type":"a.b"}`), "X-Event", "type"); got != "a.b" {
		t.Errorf("EventFrom falls back to the path: got %q", got)
	}
	_, err = Parse("bad.yaml", []byte("id: x\nname: X\nevent_header: 'Bad Header'\nevents:\n  - name: a\n    sample: '{}'\n"))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:3: event_header") {
		t.Errorf("a bad header name: %v", err)
	}
}

// TestFormEvents: a provider that posts forms (Twilio) has its event type
// at a parameter's name (FieldIn reads a form body's parameters).
func TestFormEvents(t *testing.T) {
	p, err := Parse("tw.yaml", []byte("id: tw\nname: TW\nevent_path: MessageStatus\ncontent_type: application/x-www-form-urlencoded\nevents:\n  - name: delivered\n    sample: 'MessageStatus={{.Event}}'\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ body, want string }{
		{"MessageSid=SM1&MessageStatus=delivered", "delivered"},
		{"a=1&MessageStatus=%20x", " x"},
		{"MessageSid=SM1", ""},
		{"not a form", ""},
	} {
		if got := p.EventOf(http.Header{}, []byte(tc.body)); got != tc.want {
			t.Errorf("EventOf(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}
