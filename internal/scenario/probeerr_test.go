package scenario

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
)

// A probe or reset that gets no answer is told as a delivery's failure is:
// a *delivery.Error of its kind, with the hint, not Go's words.
func TestRunProbeErrorIsClassified(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	host := srv.Listener.Addr().String()
	srv.Close()
	r := RunProbe(context.Background(), &http.Client{Timeout: 5 * time.Second}, &Probe{Method: http.MethodGet, URL: "http://" + host + "/balance"})
	var de *delivery.Error
	if !errors.As(r.Err, &de) {
		t.Fatalf("err = %#v, not a *delivery.Error", r.Err)
	}
	if de.Kind != delivery.KindRefused || de.Msg != "connection refused by "+host || de.Hint != "is your server listening on "+host+"?" {
		t.Errorf("err = %+v", de)
	}
	if p := ProbeProblem(r); strings.Contains(p, "dial tcp") || p != "connection refused by "+host {
		t.Errorf("ProbeProblem = %q", p)
	}

	// An answer that does not come within the client's timeout.
	hold := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hold)
	r = RunProbe(context.Background(), &http.Client{Timeout: 50 * time.Millisecond}, &Probe{Method: http.MethodGet, URL: slow.URL})
	if !errors.As(r.Err, &de) || de.Kind != delivery.KindTimeout {
		t.Errorf("slow probe err = %#v", r.Err)
	}
}
