package listener

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
)

// TestStatsAreBounded: what the summary counts by event type is bounded
// however many distinct and long event types a sender makes up (each
// delivery's body names its own): at most MaxEventKinds of them, each cut
// at MaxEventName bytes, the rest counted under OtherEvents; a failure
// remembered for --expect-app-2xx keeps the cut name too.
func TestStatsAreBounded(t *testing.T) {
	s, err := NewServer(ServerOptions{Handler: Options{}, ExpectApp2xx: true})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", 100_000)
	total := MaxEventKinds + 500
	for i := range total {
		rec := &capture.Record{ID: fmt.Sprint(i), Event: fmt.Sprintf("%d.%s", i, long), Matched: true}
		s.count(Delivery{Record: rec, Key: capture.Identity{EventID: rec.ID}.Key()})
	}
	st := s.stats
	if len(st.ByEvent) != MaxEventKinds+1 || st.ByEvent[OtherEvents] != total-MaxEventKinds {
		t.Errorf("%d event types counted, %d under %q; want %d and %d", len(st.ByEvent), st.ByEvent[OtherEvents], OtherEvents, MaxEventKinds+1, total-MaxEventKinds)
	}
	sum := 0
	for name, n := range st.ByEvent {
		sum += n
		if len(name) > MaxEventName+len("…") || !strings.HasSuffix(name, "…") && name != OtherEvents {
			t.Errorf("an event type of %d bytes kept", len(name))
			break
		}
	}
	if sum != total {
		t.Errorf("counted %d deliveries, want %d", sum, total)
	}
	for _, f := range s.failing {
		if len(f.Event) > MaxEventName+len("…") {
			t.Fatalf("a failure keeps an event type of %d bytes", len(f.Event))
		}
	}
}
