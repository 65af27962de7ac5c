// Package term holds the streams a command reads and writes, and decides
// when output is coloured: only on a terminal, never with NO_COLOR set.
package term

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

// Streams are a command's standard input, output and error, with whether
// each is a terminal.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer

	InIsTerminal  bool
	OutIsTerminal bool
	ErrIsTerminal bool
}

// System returns the process's own streams.
func System() *Streams {
	return &Streams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InIsTerminal:  isTerminal(os.Stdin),
		OutIsTerminal: isTerminal(os.Stdout),
		ErrIsTerminal: isTerminal(os.Stderr),
	}
}

func isTerminal(f *os.File) bool {
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// Test returns streams backed by buffers, none of them a terminal.
func Test(stdin string) (s *Streams, stdout, stderr *bytes.Buffer) {
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	return &Streams{In: bytes.NewBufferString(stdin), Out: stdout, Err: stderr}, stdout, stderr
}

// ColorWanted decides colour for a stream. --no-color and a non-empty
// NO_COLOR (https://no-color.org) always turn it off; CLICOLOR_FORCE (set and
// not "0") turns it on for logs that render ANSI; otherwise the stream must
// be a terminal and TERM not "dumb".
func ColorWanted(isTerminal, noColorFlag bool, getenv func(string) string) bool {
	if noColorFlag || getenv("NO_COLOR") != "" {
		return false
	}
	if f := getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	return isTerminal && getenv("TERM") != "dumb"
}

// Palette colours text, or leaves it alone when colour is off. Each palette
// owns its colour objects, so nothing global is switched.
type Palette struct {
	ok, bad, warn, dim, bold *color.Color
}

// NewPalette returns a palette that colours when enabled is true.
func NewPalette(enabled bool) Palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return Palette{
		ok:   mk(color.FgGreen),
		bad:  mk(color.FgRed),
		warn: mk(color.FgYellow),
		dim:  mk(color.Faint),
		bold: mk(color.Bold),
	}
}

func (p Palette) OK(s string) string   { return p.ok.Sprint(s) }
func (p Palette) Bad(s string) string  { return p.bad.Sprint(s) }
func (p Palette) Warn(s string) string { return p.warn.Sprint(s) }
func (p Palette) Dim(s string) string  { return p.dim.Sprint(s) }
func (p Palette) Bold(s string) string { return p.bold.Sprint(s) }

// Progress draws a one-line progress indicator on a terminal stream; other
// output is written through Println so the line is cleared first and
// redrawn after. It draws only when enabled.
type Progress struct {
	w       io.Writer
	enabled bool
	total   int // 0 when unknown
	done    int
	start   time.Time
	last    time.Time
	shown   bool
}

// NewProgress returns a progress line on w; total may be 0 (unknown).
func NewProgress(w io.Writer, enabled bool, total int) *Progress {
	return &Progress{w: w, enabled: enabled, total: total, start: time.Now()}
}

// Step counts one item done and redraws at most ten times a second.
func (p *Progress) Step() {
	p.done++
	if !p.enabled || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.draw()
}

func (p *Progress) draw() {
	p.last = time.Now()
	rate := float64(p.done) / time.Since(p.start).Seconds()
	if p.total > 0 {
		const width = 30
		filled := width * p.done / p.total
		fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d  %.0f/s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), p.done, p.total, rate)
	} else {
		fmt.Fprintf(p.w, "\r\x1b[K%d sent  %.0f/s", p.done, rate)
	}
	p.shown = true
}

// Clear removes the progress line, before other output or at the end.
func (p *Progress) Clear() {
	if p.enabled && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
