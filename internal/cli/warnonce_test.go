package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/term"
)

// TestReplayUnrestoredSaidOnce: replaying many captures whose path had a
// secret redacted, without the secret, says so once for what was
// redacted, not once per capture.
func TestReplayUnrestoredSaidOnce(t *testing.T) {
	sandbox(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var file bytes.Buffer
	const n = 300
	for i := range n {
		rec := &capture.Record{
			V: capture.Version, ID: fmt.Sprintf("01HOSTILE%05d", i), ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Method: "POST", Path: fmt.Sprintf("/x/%%5Bredacted-escaped%%5D/%d", i), RedactedPath: true, Matched: true,
		}
		rec.SetBody([]byte(`{"event":"x"}`))
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		file.Write(append(b, '\n'))
	}
	writeFile(t, "got.jsonl", file.Bytes())
	code, _, errs := run(t, "", "replay", "got.jsonl", "--to", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d:\n%.2000s", code, errs)
	}
	if got := strings.Count(errs, "had its path redacted"); got != 1 {
		t.Errorf("said %d times for %d captures, want once", got, n)
	}
}

// TestWarnOnceIsBounded: the command's memory of the warnings said is
// capped (view.MaxOnce) however many distinct ones are given.
func TestWarnOnceIsBounded(t *testing.T) {
	streams, _, errb := term.Test("")
	app := &App{Streams: streams, Getenv: func(string) string { return "" }}
	for i := range 10 * view.MaxOnce {
		app.warnOnce(fmt.Sprint("k", i), fmt.Sprint("w", i), "h")
	}
	if app.warned.Len() > view.MaxOnce {
		t.Errorf("%d warnings remembered, more than %d", app.warned.Len(), view.MaxOnce)
	}
	if got := strings.Count(errb.String(), "warning"); got != view.MaxOnce {
		t.Errorf("%d warnings said, want %d", got, view.MaxOnce)
	}
}
