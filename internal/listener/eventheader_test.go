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
