package view

import (
	"fmt"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/term"
)

// TunnelStart says a tunnel client is being started, and where its output
// goes.
type TunnelStart struct {
	Kind, Bin, Log string
}

// TunnelChange is one change of the tunnel after it was ready: down (Err
// says why), restarting (after Wait, attempt Attempt), or up again at
// PublicURL (Changed: a new URL, to paste again, with Webhook and Callback
// the endpoint's URLs under it).
type TunnelChange struct {
	State             string // down, restarting, up
	Err               error
	Attempt           int
	Wait              time.Duration
	PublicURL, Local  string
	Changed           bool
	Webhook, Callback string
}

// TunnelPrinter tells what becomes of listen's tunnel. Its methods may be
// called from many goroutines.
type TunnelPrinter interface {
	Start(TunnelStart)
	// Line is a line of the client's output (--verbose).
	Line(kind, line string)
	Change(TunnelChange)
}

// NewTunnelPrinter returns the printer for out: JSON lines, else text.
func NewTunnelPrinter(out Out) TunnelPrinter {
	if out.JSON {
		return &tunnelJSON{out: out}
	}
	return &tunnelText{out: out}
}

type tunnelJSON struct {
	out Out
	mu  sync.Mutex
}

type tunnelJSONLine struct {
	Type        string `json:"type"`
	State       string `json:"state"`
	Kind        string `json:"kind,omitempty"`
	Log         string `json:"log,omitempty"`
	Message     string `json:"message,omitempty"`
	Attempt     int    `json:"attempt,omitempty"`
	WaitMS      int64  `json:"wait_ms,omitempty"`
	PublicURL   string `json:"public_url,omitempty"`
	Changed     bool   `json:"changed,omitempty"`
	WebhookURL  string `json:"webhook_url,omitempty"`
	CallbackURL string `json:"callback_url,omitempty"`
}

func (p *tunnelJSON) Start(s TunnelStart) {
	p.mu.Lock()
	defer p.mu.Unlock()
	JSONLine(p.out.Streams.Err, tunnelJSONLine{Type: "tunnel", State: "starting", Kind: s.Kind, Log: s.Log})
}

func (p *tunnelJSON) Line(string, string) {} // the log file has them

func (p *tunnelJSON) Change(c TunnelChange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	j := tunnelJSONLine{Type: "tunnel", State: c.State, Attempt: c.Attempt, WaitMS: c.Wait.Milliseconds(),
		PublicURL: c.PublicURL, Changed: c.Changed, WebhookURL: c.Webhook, CallbackURL: c.Callback}
	if c.Err != nil {
		j.Message = c.Err.Error()
	}
	JSONLine(p.out.Streams.Err, j)
}

type tunnelText struct {
	out Out
	mu  sync.Mutex
}

func (p *tunnelText) Start(s TunnelStart) {
	if !p.out.Shows(ProgressLine) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out.Streams.Err, "hooktool: starting %s (%s); its output goes to %s\n", term.Escape(s.Kind), term.Escape(s.Bin), term.Escape(s.Log))
}

func (p *tunnelText) Line(kind, line string) {
	if !p.out.Shows(ProgressLine) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out.Streams.Err, "hooktool: %s: %s\n", term.Escape(kind), term.Escape(line))
}

func (p *tunnelText) Change(c TunnelChange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w, pal := p.out.Streams.Err, p.out.ErrPalette
	switch c.State {
	case "down":
		// At once, and kept by --quiet: deliveries are not arriving.
		fmt.Fprintf(w, "hooktool: %s tunnel down: %s\n", pal.Warn("warning:"), term.Escape(c.Err.Error()))
	case "restarting":
		if p.out.Shows(ProgressLine) {
			fmt.Fprintf(w, "hooktool: restarting the tunnel in %s (attempt %d)\n", c.Wait, c.Attempt)
		}
	case "up":
		if !c.Changed {
			if p.out.Shows(ProgressLine) {
				fmt.Fprintf(w, "hooktool: tunnel up again: %s  →  %s\n", term.Escape(c.PublicURL), term.Escape(c.Local))
			}
			return
		}
		fmt.Fprintf(w, "hooktool: %s THE PUBLIC URL CHANGED: paste the new one in the provider's dashboard\n", pal.Warn("warning:"))
		printPublic(w, c.PublicURL, c.Local, c.Webhook, c.Callback)
	}
}
