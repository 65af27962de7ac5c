package inspect

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// heartbeat is how often an idle stream sends a comment, so that proxies
// and the browser keep it open.
const heartbeat = 15 * time.Second

// DefaultEventEvery is Options.EventEvery's default: a delivery after a
// quiet spell is sent at once, a flood ten times a second.
const DefaultEventEvery = 100 * time.Millisecond

// events is GET /api/events?after=SEQ&event=&where=&q=: Server-Sent
// Events, one "delivery" event (id: its seq, data: its Summary as JSON)
// for each delivery added after SEQ (or after the Last-Event-ID the
// browser sends when it reconnects; without either, after the newest now)
// that the filter matches, sent as soon as the index has it, or, when they
// come faster, in batches at most every Options.EventEvery. When more
// than MaxLimit are behind, a "reset" event (data: {"seq": N}) tells the
// page to list again, and the stream goes on after N.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ix := s.o.Index
	next := ix.Len()
	after := r.Header.Get("Last-Event-ID")
	if after == "" {
		after = r.URL.Query().Get("after")
	}
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < -1 {
			writeError(w, http.StatusBadRequest, "after must be a delivery's seq")
			return
		}
		next = min(n+1, next)
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		changed := ix.Changed()
		n := ix.Len()
		if n-next > MaxLimit {
			fmt.Fprintf(w, "event: reset\ndata: {\"seq\":%d}\n\n", n-1)
			next = n
		}
		for ; next < n; next++ {
			rec, err := ix.Record(next)
			if err != nil || !f.Match(rec) {
				continue
			}
			data, err := json.Marshal(s.summary(next, rec)) // escapes <, >, &
			if err != nil {
				continue
			}
			fmt.Fprintf(w, "event: delivery\nid: %d\ndata: %s\n\n", next, data)
		}
		if err := rc.Flush(); err != nil {
			return
		}
		flushed := time.Now()
		select {
		case <-r.Context().Done():
			return
		case <-changed:
			// More may come: they are sent together, at most every
			// EventEvery.
			if wait := s.o.EventEvery - time.Since(flushed); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-r.Context().Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		case <-beat.C:
			fmt.Fprint(w, ": still here\n\n")
		}
	}
}
