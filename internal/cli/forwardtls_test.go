package cli

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestListenForwardInsecure: an app on https with a self-signed
// certificate is refused with a hint naming --forward-insecure, a flag
// listen has; with it, the delivery reaches the app, and listen warns once
// that the certificate is not checked. The app offers HTTP/2, and gets it.
func TestListenForwardInsecure(t *testing.T) {
	sandbox(t)
	var protos atomic.Int64 // the major versions seen, as decimal digits
	tlsApp := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos.Store(protos.Load()*10 + int64(r.ProtoMajor))
		w.WriteHeader(http.StatusAccepted)
	}))
	tlsApp.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsApp.EnableHTTP2 = true
	tlsApp.StartTLS()
	t.Cleanup(tlsApp.Close)
	n := 0
	send := func(url string) int {
		t.Helper()
		n++
		resp, err := http.Post(url, "application/json", strings.NewReader(fmt.Sprintf(`{"event":"a","n":%d}`, n)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	l := secListen(t, "--forward-to", tlsApp.URL, "--exit-after", "1", "--timeout", "20s")
	if got := send(l.url + "/"); got != http.StatusBadGateway {
		t.Errorf("untrusted app: answered %d, want 502", got)
	}
	_, _, errs := l.wait(t)
	if !strings.Contains(errs, "hooktool: hint: for a local app with a self-signed certificate, pass --forward-insecure\n") {
		t.Errorf("no hint naming --forward-insecure:\n%s", errs)
	}
	if flag := newListenCommand(&App{}, nil).Flags().Lookup("forward-insecure"); flag == nil {
		t.Error("the hint names a flag listen does not have")
	}

	l = secListen(t, "--forward-to", tlsApp.URL, "--forward-insecure", "--exit-after", "2", "--timeout", "20s")
	for range 2 {
		if got := send(l.url + "/"); got != http.StatusAccepted {
			t.Errorf("--forward-insecure: answered %d, want the app's 202", got)
		}
	}
	code, _, errs := l.wait(t)
	if code != ExitOK || strings.Count(errs, "warning: --forward-insecure: the TLS certificate of "+tlsApp.URL+"/ is not checked\n") != 1 {
		t.Errorf("exit %d, want 0 and one warning:\n%s", code, errs)
	}
	if got := protos.Load(); got != 22 {
		t.Errorf("the app got HTTP/%d twice (as digits), want HTTP/2 both times", got)
	}
}
