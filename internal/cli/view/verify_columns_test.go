package view

import (
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

// TestVerifyLinesAlign: verify FILE's lines keep their verdicts in one
// column whatever the lengths of the ordinary events before them (a
// floor), the hints between lines do not move the columns; a longer event
// is kept whole (a report is grepped for it) and only a hostile one past
// MaxCell is cut, its control bytes escaped.
func TestVerifyLinesAlign(t *testing.T) {
	streams, out, _ := term.Test("")
	plain := term.NewPalette(false)
	p := NewVerifyPrinter(Out{Streams: streams, Palette: plain, ErrPalette: plain})
	rec := func(id, event string) *capture.Record { return &capture.Record{ID: id, Event: event} }
	valid := signature.Verdict{Valid: true}
	bad := signature.Verdict{Reason: signature.ReasonMismatch, Message: "no match", Hints: []string{"check the secret"}}
	p.Checked(rec("01JAAAAAAAAAAAAAAAAAAAAAAA", "transfer.completed"), valid, capture.Record{}.ReceivedAt)
	p.Checked(rec("01JBBBBBBBBBBBBBBBBBBBBBBB", ""), bad, capture.Record{}.ReceivedAt)
	p.Checked(rec("01JCCCCCCCCCCCCCCCCCCCCCCC", "customer.subscription.trial_will_end"), valid, capture.Record{}.ReceivedAt)
	p.Unchecked(rec("01JDDDDDDDDDDDDDDDDDDDDDDD", "x"), errString("no scheme"))
	col := -1
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if strings.HasPrefix(line, "    hint:") {
			continue
		}
		at := strings.IndexAny(line, "✔✘")
		if i := strings.Index(line, "unchecked:"); i >= 0 {
			at = i
		}
		c := VisibleWidth(line[:max(at, 0)])
		if col == -1 {
			col = c
		}
		if at < 0 || c != col {
			t.Errorf("verdict at column %d, not %d: %q\n%s", c, col, line, out)
		}
	}
	long := "com.example.billing.customer.subscription.pending_update_incomplete_expired"
	out.Reset()
	p.Checked(rec("01JEEEEEEEEEEEEEEEEEEEEEEE", long), valid, capture.Record{}.ReceivedAt)
	if !strings.Contains(out.String(), long+"  ✔") {
		t.Errorf("a long event is cut or not followed by its verdict:\n%q", out)
	}
	out.Reset()
	p.Checked(rec("01JFFFFFFFFFFFFFFFFFFFFFFF", strings.Repeat("e\x1b[2J", 1000)), valid, capture.Record{}.ReceivedAt)
	if !strings.Contains(out.String(), "…") || strings.Contains(out.String(), "\x1b") || len(out.String()) > 2*MaxCell+100 {
		t.Errorf("a hostile event is not cut, or a control byte came through:\n%q", out)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
