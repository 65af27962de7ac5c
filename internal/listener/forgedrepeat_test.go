package listener

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestForgeryIsNoRepeat: a delivery whose signature was checked and
// failed is never the same delivery as one that passed, whatever event id
// or bytes it copies: it is not marked as a repeat of the real one, does
// not clear the real one's --expect-app-2xx failure by being accepted,
// and is not the real one for --exit-after.
func TestForgeryIsNoRepeat(t *testing.T) {
	const secret = "forge-s3cret"
	var n atomic.Int64
	// The app fails its first request and accepts every other.
	a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	var ids, repeats []string
	ho := Options{
		Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(2*time.Second), nil),
		Scheme:  github(t), Secrets: []signature.Secret{signature.NewSecret(secret)}, EventIDPath: "id",
		OnDelivery: func(d Delivery) { ids, repeats = append(ids, d.Record.ID), append(repeats, d.Record.RepeatOf) },
	}
	sv := startServe(t, ServerOptions{Handler: ho, ExpectApp2xx: true, ExitAfter: 2})
	send := func(body string, hdr http.Header) int {
		req, _ := http.NewRequest(http.MethodPost, sv.url+"/hooks", strings.NewReader(body))
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	real := `{"id":"evt_1","amount":1}`
	if got := send(real, signed(t, secret, []byte(real))); got != http.StatusInternalServerError {
		t.Fatalf("the real delivery: answered %d, want the app's 500", got)
	}
	// The same event id (and then the very bytes), a signature that fails.
	for _, forged := range []string{`{"id":"evt_1","amount":999}`, real} {
		if got := send(forged, signed(t, "not-the-secret", []byte(forged))); got != http.StatusOK {
			t.Fatalf("the forgery: answered %d, want the app's 200", got)
		}
	}
	sv.cancel()
	sv.wait(t)
	if len(ids) != 3 || repeats[1] != "" || repeats[2] != ids[1] {
		t.Errorf("repeat_of %q of %v: want the first forgery no repeat of the real delivery, the second a repeat of the first", repeats, ids)
	}
	if f := sv.res.AppFailures; len(f) != 1 || f[0].ID != ids[0] || f[0].Status != 500 {
		t.Errorf("failures %+v: want the real delivery's 500, which no forgery clears", f)
	}
	if sv.res.Counted != 1 {
		t.Errorf("counted %d towards --exit-after, want 1 (the forgery)", sv.res.Counted)
	}
}
