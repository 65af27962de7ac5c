package tunnel

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/httpx"
)

// Config is what a Supervisor needs: the kind, its program, what to
// expose, where the client's output goes, and how often to look.
type Config struct {
	Kind    Kind
	Bin     string // the client's program (a path, or a name on PATH)
	Options Options
	Target  Target

	// Log receives the client's output (stdout and stderr, line by line);
	// OnLine, when set, sees each line too (--verbose).
	Log    io.Writer
	OnLine func(line string)

	// Client makes the self-check requests and Poll's; nil: one with a 10 s
	// timeout that follows no redirect.
	Client *http.Client
	// Timeout bounds each start: the public URL learnt and a self-check
	// arrived (--tunnel-timeout, 30 s when 0).
	Timeout time.Duration
	// CheckInterval is the time between self-checks once ready
	// (--tunnel-check-interval, 30 s when 0).
	CheckInterval time.Duration
	// PollInterval is the time between Poll calls while learning the URL
	// (250 ms when 0).
	PollInterval time.Duration
	// Backoff is the wait before restart n (1, 2, …); nil doubles from 1 s
	// up to 30 s.
	Backoff func(n int) time.Duration
	// After is the clock of the watch (self-check interval, restart
	// backoff); nil is time.After. Tests drive the watch with it.
	After func(time.Duration) <-chan time.Time

	// OnEvent hears what happens to the tunnel once it was ready (it went
	// down, it is being restarted, it is up again): from one goroutine.
	OnEvent func(Event)
}

// State is what an Event says of the tunnel.
type State string

const (
	// Down: the client exited or a self-check failed (Event.Err says which).
	Down State = "down"
	// Restarting: the client is started again after Event.Wait.
	Restarting State = "restarting"
	// Up: the tunnel is reachable again at Event.URL (Event.Changed when
	// that is not the URL it had).
	Up State = "up"
)

// Event is one change of the tunnel's state after it was first ready.
type Event struct {
	State   State
	Err     error         // Down
	Attempt int           // Restarting
	Wait    time.Duration // Restarting
	URL     string        // Up
	Changed bool          // Up: a new public URL, to paste again
}

// Detached is implemented by a kind whose client sets the tunnel up and
// exits (tailscale funnel --bg): its exit with status 0 is not the tunnel
// going down; the self-check watches it.
type Detached interface {
	Detached() bool
}

// Supervisor runs one tunnel client: Start learns the public URL and
// checks it, then a watch repeats the check and restarts the client when
// it exits or the check fails; Stop ends it all.
type Supervisor struct {
	c      Config
	marker string
	// arrived hears the listener's OnCheck: a self-check request came.
	arrived chan struct{}

	mu       sync.Mutex
	proc     *proc
	url      string
	stopped  bool
	launched bool // a client was started: Stop runs Cleanup
	cancel   context.CancelFunc
	watched  chan struct{}
}

// New returns a Supervisor with a fresh, unguessable self-check path.
func New(c Config) (*Supervisor, error) {
	if c.Kind == nil {
		return nil, errors.New("tunnel: no kind")
	}
	if c.Bin == "" {
		c.Bin = c.Kind.Bin()
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.CheckInterval <= 0 {
		c.CheckInterval = 30 * time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 250 * time.Millisecond
	}
	if c.Backoff == nil {
		c.Backoff = DoublingBackoff(time.Second, 30*time.Second)
	}
	if c.After == nil {
		c.After = time.After
	}
	if c.OnEvent == nil {
		c.OnEvent = func(Event) {}
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	return &Supervisor{c: c, marker: "/.hooktool-tunnel-check/" + hex.EncodeToString(b[:]), arrived: make(chan struct{}, 1)}, nil
}

// DoublingBackoff waits first, then twice as long each time, up to most.
func DoublingBackoff(first, most time.Duration) func(int) time.Duration {
	return func(n int) time.Duration {
		d := first
		for i := 1; i < n && d < most; i++ {
			d *= 2
		}
		return min(d, most)
	}
}

// CheckPath is the path of the self-check requests: the listener answers
// it, calls Arrived, and neither keeps nor shows it (listener.Options'
// CheckPath).
func (s *Supervisor) CheckPath() string { return s.marker }

// Arrived is told by the listener that a self-check request came.
func (s *Supervisor) Arrived() {
	select {
	case s.arrived <- struct{}{}:
	default:
	}
}

// URL is the public URL the tunnel has now ("" before it is ready).
func (s *Supervisor) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Start starts the client, waits until its public URL is known and a
// self-check sent through it arrived (at most Timeout), and returns the
// URL; then it watches the tunnel until ctx is done or Stop. On error the
// client is stopped and cleaned up.
func (s *Supervisor) Start(ctx context.Context) (string, error) {
	url, err := s.startOnce(ctx)
	if err != nil {
		s.Stop()
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return "", errors.New("the tunnel was stopped")
	}
	s.url = url
	wctx, cancel := context.WithCancel(ctx)
	s.cancel, s.watched = cancel, make(chan struct{})
	go s.watch(wctx)
	return url, nil
}

// Stop ends the watch, kills the client's process group, waits for it,
// and runs the kind's Cleanup (a tailscale funnel is turned off). It may
// be called more than once.
func (s *Supervisor) Stop() error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	cancel, watched := s.cancel, s.watched
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-watched
	}
	s.mu.Lock()
	p, launched := s.proc, s.launched
	s.proc = nil
	s.mu.Unlock()
	p.stop()
	if !launched {
		return nil
	}
	ctx, cancelCleanup := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelCleanup()
	return s.c.Kind.Cleanup(ctx, s.c.Bin, s.c.Target)
}

// startOnce starts a client and waits for it to be ready.
func (s *Supervisor) startOnce(ctx context.Context) (string, error) {
	p, err := s.launch()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		p.stop()
		return "", errors.New("the tunnel was stopped")
	}
	s.proc, s.launched = p, true
	s.mu.Unlock()
	return s.ready(ctx, p)
}

func (s *Supervisor) launch() (*proc, error) {
	args, err := s.c.Kind.Args(s.c.Target)
	if err != nil {
		return nil, err
	}
	args = append(append([]string(nil), s.c.Options.Args...), args...)
	return startProc(s.c.Bin, args, s.c.Log, s.c.OnLine, s.c.Kind.FromLine)
}

// ready waits for p's public URL and a self-check through it.
func (s *Supervisor) ready(ctx context.Context, p *proc) (string, error) {
	deadline := time.NewTimer(s.c.Timeout)
	defer deadline.Stop()
	poll := time.NewTicker(s.c.PollInterval)
	defer poll.Stop()
	detached := false
	if d, ok := s.c.Kind.(Detached); ok {
		detached = d.Detached()
	}
	url := s.c.Options.URL // --tunnel-url: the client does not say it
	until := time.Now().Add(s.c.Timeout)
	var lastErr error
	exited := p.exited
	for {
		if url != "" {
			cctx, cancel := context.WithDeadline(ctx, until)
			err := s.check(cctx, url)
			cancel()
			if err == nil {
				return url, nil
			}
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case u := <-p.urls:
			if s.c.Options.URL == "" {
				url = u
			}
			continue
		case <-exited:
			if !detached || p.err != nil {
				return "", fmt.Errorf("%s exited before the tunnel was ready (%s)", s.c.Kind.Name(), p.exitText())
			}
			exited = nil // set up and gone: the funnel stays
		case <-poll.C:
		case <-deadline.C:
			if url == "" {
				return "", fmt.Errorf("%s said no public URL within %s", s.c.Kind.Name(), s.c.Timeout)
			}
			return "", fmt.Errorf("no self-check request sent to %s arrived within %s: %w", url, s.c.Timeout, lastErr)
		}
		if url == "" {
			u, err := s.c.Kind.Poll(ctx, s.c.Client, s.c.Bin)
			if err == nil && u != "" {
				url = u
			}
		}
	}
}

// ErrNotArrived is a self-check answered without reaching this listener.
var ErrNotArrived = errors.New("the answer did not come from this listener")

// check sends one self-check request to the public URL and says whether
// it arrived at the listener.
func (s *Supervisor) check(ctx context.Context, public string) error {
	base, err := url.Parse(public)
	if err != nil {
		return err
	}
	target, err := httpx.JoinURL(base, s.marker, "")
	if err != nil {
		return err
	}
	select { // a late arrival of an earlier check is not this one
	case <-s.arrived:
	default:
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "hooktool-tunnel-check")
	resp, err := s.c.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	// The listener calls Arrived before it answers.
	select {
	case <-s.arrived:
	default:
		return fmt.Errorf("%w (%s)", ErrNotArrived, resp.Status)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

// Check sends one self-check request through the tunnel now and says
// whether it arrived (the watch does so every CheckInterval).
func (s *Supervisor) Check(ctx context.Context) error {
	u := s.URL()
	if u == "" {
		return errors.New("the tunnel is not ready")
	}
	return s.check(ctx, u)
}

// watch repeats the self-check and restarts the client when it exits or
// a check fails, until ctx is done.
func (s *Supervisor) watch(ctx context.Context) {
	defer close(s.watched)
	detached := false
	if d, ok := s.c.Kind.(Detached); ok {
		detached = d.Detached()
	}
	for {
		s.mu.Lock()
		p := s.proc
		s.mu.Unlock()
		exited := p.exited
		if detached && p.done() && p.err == nil {
			exited = nil
		}
		var why error
		select {
		case <-ctx.Done():
			return
		case <-exited:
			if detached && p.err == nil {
				continue // set up and gone: the self-check watches the funnel
			}
			why = fmt.Errorf("%s exited (%s)", s.c.Kind.Name(), p.exitText())
		case <-s.c.After(s.c.CheckInterval):
			cctx, cancel := context.WithTimeout(ctx, s.c.Timeout)
			err := s.check(cctx, s.URL())
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				continue
			}
			why = fmt.Errorf("the self-check through %s failed: %w", s.URL(), err)
		}
		s.c.OnEvent(Event{State: Down, Err: why})
		if !s.restart(ctx) {
			return
		}
	}
}

// restart stops the client and starts it again, with backoff, until it is
// ready (reporting Up) or ctx is done (false).
func (s *Supervisor) restart(ctx context.Context) bool {
	for n := 1; ; n++ {
		s.mu.Lock()
		p := s.proc
		s.proc = nil
		s.mu.Unlock()
		p.stop()
		wait := s.c.Backoff(n)
		s.c.OnEvent(Event{State: Restarting, Attempt: n, Wait: wait})
		select {
		case <-ctx.Done():
			return false
		case <-s.c.After(wait):
		}
		url, err := s.startOnce(ctx)
		if ctx.Err() != nil {
			return false
		}
		if err != nil {
			s.c.OnEvent(Event{State: Down, Err: err})
			continue
		}
		s.mu.Lock()
		changed := url != s.url
		s.url = url
		s.mu.Unlock()
		s.c.OnEvent(Event{State: Up, URL: url, Changed: changed})
		return true
	}
}

// ---- the client's process ----------------------------------------------------

// proc is one run of the client, in its own process group.
type proc struct {
	cmd    *exec.Cmd
	urls   chan string   // URLs FromLine found
	exited chan struct{} // closed once it exited; err is then set
	err    error
	lines  sync.WaitGroup // the output reader
	out    *os.File       // the read end of the client's output
	mu     sync.Mutex
	tail   []string // the last lines, for errors
}

func startProc(bin string, args []string, log io.Writer, onLine func(string), fromLine func(string) (string, bool)) (*proc, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	w.Close() // the client holds the write end; EOF once it (and its group) is gone
	p := &proc{cmd: cmd, urls: make(chan string, 8), exited: make(chan struct{}), out: r}
	p.lines.Add(1)
	go func() {
		defer p.lines.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			io.WriteString(log, line+"\n")
			if onLine != nil {
				onLine(line)
			}
			p.mu.Lock()
			p.tail = append(p.tail, line)
			if len(p.tail) > 3 {
				p.tail = p.tail[1:]
			}
			p.mu.Unlock()
			if u, ok := fromLine(line); ok {
				select {
				case p.urls <- u:
				default:
				}
			}
		}
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *proc) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// exitText says how the client ended, with its last lines of output.
func (p *proc) exitText() string {
	s := "exit status 0"
	if p.err != nil {
		s = p.err.Error()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tail) > 0 {
		s += "; its last output: " + strings.Join(p.tail, " | ")
	}
	return s
}

// stop kills the client's process group and waits for it to end.
func (p *proc) stop() {
	if p == nil {
		return
	}
	if !p.done() {
		terminate(p.cmd)
		select {
		case <-p.exited:
		case <-time.After(2 * time.Second):
		}
	}
	kill(p.cmd) // the group: what the client started goes with it
	<-p.exited
	// A process that left the group (a daemon) may still hold the output's
	// write end: what it says after a second is not waited for.
	read := make(chan struct{})
	go func() { p.lines.Wait(); close(read) }()
	select {
	case <-read:
	case <-time.After(time.Second):
		p.out.Close()
		<-read
	}
}
