package listener

import (
	"net/http"
	"testing"
)

// TestEventFromHeader: a provider that sends the event type in a header
// (EventHeader) has it read from there before the body's path.
func TestEventFromHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		hdr  http.Header
		want string
	}{
		{"header", http.Header{"X-Github-Event": {"push"}}, "push"},
		{"no header: the path", nil, "from.body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := serve(t, Options{Store: &memStore{}, EventHeader: "X-GitHub-Event", EventPath: "event", Events: []string{"*"}})
			h.post(t, "/in", []byte(`{"event":"from.body"}`), tc.hdr)
			if d := h.one(t); d.Record.Event != tc.want || !d.Record.Matched {
				t.Errorf("event %q matched %v, want %q", d.Record.Event, d.Record.Matched, tc.want)
			}
		})
	}
}

// TestEventFromForm: a provider that posts forms (FormEvents) has its event
// type at the parameter EventPath names; without FormEvents a form has none.
func TestEventFromForm(t *testing.T) {
	for _, form := range []bool{true, false} {
		h := serve(t, Options{Store: &memStore{}, EventPath: "MessageStatus", FormEvents: form})
		h.post(t, "/in", []byte("MessageSid=SM1&MessageStatus=delivered"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		want := ""
		if form {
			want = "delivered"
		}
		if d := h.one(t); d.Record.Event != want {
			t.Errorf("FormEvents %v: event %q, want %q", form, d.Record.Event, want)
		}
	}
}
