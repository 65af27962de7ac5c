package inspect

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestReplayRecordHidesAnEchoedSecret: the record an inspector's replay
// keeps holds the start of the app's answer as listen keeps it: a secret
// the app echoes is hidden, across the cut too.
func TestReplayRecordHidesAnEchoedSecret(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	orig := delivery(0, "charge.succeeded", amountBody(1))
	writeFile(t, path, orig)
	for _, at := range []int{0, 250} {
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, strings.Repeat("a", at)+"echo "+testSecret+" end")
		}))
		t.Cleanup(app.Close)
		store := &memStore{}
		secret := signature.NewSecret(testSecret)
		in := startInspector(t, Options{Target: app.URL, Store: store, Secrets: []signature.Secret{secret}, Redactor: signature.NewRedactor(nil, []signature.Secret{secret})}, path)
		if status, b := in.post("/api/deliveries/"+orig.ID+"/replay", `{"resign":false}`, true, ""); status != http.StatusOK || strings.Contains(string(b), testSecret[:8]) {
			t.Fatalf("replay: %d %s", status, b)
		}
		if len(store.recs) != 1 || store.recs[0].Forward == nil {
			t.Fatalf("kept %d records", len(store.recs))
		}
		kept, _ := json.Marshal(store.recs[0])
		if strings.Contains(string(kept), testSecret[:8]) || !strings.Contains(store.recs[0].Forward.Body, "echo [redacted]"[:min(len("echo [redacted]"), 256-at)]) {
			t.Errorf("answer at %d: the kept record holds %q", at, store.recs[0].Forward.Body)
		}
	}
}
