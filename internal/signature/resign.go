package signature

import (
	"net/http"
	"time"
)

// PerAttempt returns a function that signs body anew for each delivery
// attempt, at now() and with the same id and URL, as providers do when they
// redeliver: a retry carries a fresh timestamp that a receiver's tolerance
// accepts. It is the form delivery.Request.Sign takes.
func (g *Signer) PerAttempt(body []byte, id, url string, now func() time.Time) func(attempt int) (http.Header, error) {
	return func(int) (http.Header, error) {
		fields, err := g.Sign(SignInput{Body: body, ID: id, Timestamp: now(), URL: url})
		if err != nil {
			return nil, err
		}
		out := make(http.Header, len(fields))
		for _, f := range fields {
			out.Set(f.Name, f.Value)
		}
		return out, nil
	}
}
