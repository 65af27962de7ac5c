package view

import (
	"errors"
	"strings"
	"testing"
)

// What the tunnel client says (its URL, its output, why it went down) is
// not trusted with the terminal: escaped like a delivery's bytes. A new
// URL is said loudly, with the URLs to paste; JSON carries it as data.
func TestTunnelPrinter(t *testing.T) {
	out, _, errb := testOut(false)
	p := NewTunnelPrinter(out)
	p.Line("cloudflared", "INF \x1b[2Jerased")
	p.Change(TunnelChange{State: "down", Err: errors.New("cloudflared exited (\x1b]0;title\x07)")})
	p.Change(TunnelChange{State: "restarting", Attempt: 2, Wait: 2e9})
	p.Change(TunnelChange{State: "up", PublicURL: "https://new.example\x1b[1A", Local: "http://127.0.0.1:4242", Changed: true,
		Webhook: "https://new.example/hooks", Callback: "https://new.example/callbacks"})
	got := errb.String()
	if strings.ContainsRune(got, 0x1b) || strings.ContainsRune(got, 0x07) {
		t.Fatalf("control characters reached the terminal:\n%q", got)
	}
	for _, want := range []string{
		"hooktool: cloudflared: INF \\x1b[2Jerased\n",
		"hooktool: warning: tunnel down: cloudflared exited (\\x1b]0;title\\x07)\n",
		"hooktool: restarting the tunnel in 2s (attempt 2)\n",
		"hooktool: warning: THE PUBLIC URL CHANGED: paste the new one in the provider's dashboard\n",
		"hooktool: public URL: https://new.example\\x1b[1A  →  http://127.0.0.1:4242\n",
		"hooktool:   webhook URL to paste:  https://new.example/hooks\n",
		"hooktool:   callback URL to paste: https://new.example/callbacks\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}

	out, _, errb = testOut(true)
	p = NewTunnelPrinter(out)
	p.Change(TunnelChange{State: "up", PublicURL: "https://new.example", Changed: true, Webhook: "https://new.example/hooks"})
	if want := `{"type":"tunnel","state":"up","public_url":"https://new.example","changed":true,"webhook_url":"https://new.example/hooks"}` + "\n"; errb.String() != want {
		t.Errorf("JSON %q, want %q", errb.String(), want)
	}
}
