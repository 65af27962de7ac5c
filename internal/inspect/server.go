package inspect

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	deliv "github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/randid"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/signature"
)

// DefaultPort is the inspector's port: not ngrok's 4040, nor a common
// development server's (3000, 5000, 8000, 8080).
const DefaultPort = 4243

// Options configure a Server.
type Options struct {
	Index *Index
	// Redactor hides the run's configured secrets wherever they could be
	// left (headers, query, the app's answer); credential headers
	// (Authorization, Cookie, ...) are hidden with or without one.
	Redactor *signature.Redactor
	// Version is hooktool's, for the creator of HAR documents.
	Version string
	// Warn receives warnings.
	Warn func(string)

	// The actions (replay, resend) send through internal/replay, the
	// engine of `hooktool replay`. Each may be left empty.
	//
	// Target is where a replay without its own `to` goes: the listener's
	// forward target; "" makes `to` required.
	Target string
	// Routes are the listener's route table: a route's match, as a
	// record's forward.route names it, to its URL. A replay without `to`
	// of a delivery a route took goes to that route's URL, not Target.
	Routes map[string]string
	// Secrets are the configured secrets: the first re-signs (none: a
	// re-signed replay or a resend is refused) and is put back where the
	// listener redacted one. Schemes resolve each capture's scheme
	// (nil: the scheme the capture recorded).
	Secrets []signature.Secret
	Schemes *replay.Schemes
	// EventEvery is the least time between two writes of an event stream
	// (0: DefaultEventEvery): deliveries coming faster are told in
	// batches, and a batch of more than MaxLimit as a reset, so a flood
	// costs a list of the page, not an event each.
	EventEvery time.Duration
	// Client sends (nil: one with a 10 s timeout, no retries).
	Client *deliv.Client
	// Now and NewID are the clock and message ids of signatures and
	// records (nil: time.Now, randid.MessageID).
	Now   func() time.Time
	NewID func() string
	// Store, when set, keeps a record of each replay and resend, with
	// replay_of its original's id (listen --save's capture writer).
	Store Appender
}

// Server serves the inspector's page and API on loopback only.
//
// Safety (the page is a local server that a tab of any site could try to
// reach): it binds 127.0.0.1 and [::1] on its own port; it refuses any
// request whose Host is not a loopback name or address with that port (DNS
// rebinding) and any the browser says comes from another site
// (Sec-Fetch-Site); every /api request needs the run's token, which the
// URL printed carries once and a SameSite=Strict HttpOnly cookie keeps;
// a request that could change state (any method but GET, HEAD, OPTIONS)
// also needs no Origin but its own. Every answer carries a
// Content-Security-Policy without inline script, nosniff and
// frame-ancestors 'none'; delivery content is sent as JSON strings only.
type Server struct {
	o     Options
	token string
	mux   *http.ServeMux

	mu      sync.Mutex
	port    int
	servers []*http.Server
	ctx     context.Context // ends streams at Close
	cancel  context.CancelFunc
}

//go:embed ui
var uiFiles embed.FS

// New returns a server over o.Index, with a fresh token.
func New(o Options) *Server {
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	o.defaults()
	s := &Server{o: o, token: randid.String(randid.Base62, 32)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	ui, _ := fs.Sub(uiFiles, "ui")
	s.mux.HandleFunc("GET /{$}", s.page)
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(ui)))
	s.mux.HandleFunc("GET /api/deliveries", s.list)
	s.mux.HandleFunc("GET /api/deliveries/{id}", s.detail)
	s.mux.HandleFunc("GET /api/deliveries/{id}/body", s.body)
	s.mux.HandleFunc("GET /api/deliveries/{id}/har", s.harOne)
	s.mux.HandleFunc("GET /api/deliveries/{id}/curl", s.curlOne)
	s.mux.HandleFunc("GET /api/har", s.harMany)
	s.mux.HandleFunc("GET /api/events", s.events)
	s.mux.HandleFunc("GET /api/diff", s.diff)
	s.mux.HandleFunc("POST /api/deliveries/{id}/replay", s.replayOne)
	s.mux.HandleFunc("POST /api/deliveries/{id}/resend", s.resend)
	return s
}

// Listen binds 127.0.0.1 and [::1] on port (0: a free one, the same on
// both). [::1] is left out where the system has no IPv6 loopback.
func (s *Server) Listen(port int) ([]net.Listener, error) {
	l4, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	port = l4.Addr().(*net.TCPAddr).Port
	ls := []net.Listener{l4}
	if l6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
		ls = append(ls, l6)
	}
	s.mu.Lock()
	s.port = port
	s.mu.Unlock()
	return ls, nil
}

// Serve serves on the listeners Listen returned until Close; it returns
// the first error that is not the server's closing.
func (s *Server) Serve(ls []net.Listener) error {
	errs := make(chan error, len(ls))
	s.mu.Lock()
	if s.ctx.Err() != nil { // closed before it served
		s.mu.Unlock()
		for _, l := range ls {
			l.Close()
		}
		return nil
	}
	for _, l := range ls {
		hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute,
			BaseContext: func(net.Listener) context.Context { return s.ctx }}
		s.servers = append(s.servers, hs)
		go func() { errs <- hs.Serve(l) }()
	}
	s.mu.Unlock()
	var first error
	for range ls {
		if err := <-errs; err != nil && !errors.Is(err, http.ErrServerClosed) && first == nil {
			first = err
			s.Close()
		}
	}
	return first
}

// Close ends the streams and the servers.
func (s *Server) Close() error {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, hs := range s.servers {
		hs.Close()
	}
	return nil
}

// URL is the address to open: it carries the run's token, which the page
// trades for a cookie at once.
func (s *Server) URL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/?token=%s", s.Port(), s.token)
}

// Port is the port bound by Listen.
func (s *Server) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// cookieName is per port: cookies are not, and two inspectors on one
// machine must not take each other's.
func (s *Server) cookieName() string { return "hooktool_inspect_" + strconv.Itoa(s.Port()) }

// csp forbids inline script and style, plugins, framing and any origin
// but the page's own.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// ServeHTTP applies the safety rules, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if !s.loopbackHost(r.Host) {
		http.Error(w, "hooktool inspect: refused: the Host is not this inspector's loopback address", http.StatusMisdirectedRequest)
		return
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		http.Error(w, "hooktool inspect: refused: a request from another site", http.StatusForbidden)
		return
	}
	unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
	if unsafe {
		if o := r.Header.Get("Origin"); o != "" && !s.ownOrigin(o) {
			http.Error(w, "hooktool inspect: refused: a request from another origin", http.StatusForbidden)
			return
		}
	}
	if (unsafe || strings.HasPrefix(r.URL.Path, "/api/")) && !s.hasToken(r) {
		writeError(w, http.StatusForbidden, "no token: open the URL hooktool printed")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether host (a request's Host) names this server:
// 127.0.0.1, [::1] or localhost, with its port.
func (s *Server) loopbackHost(host string) bool {
	name, port, err := net.SplitHostPort(host)
	if err != nil || port != strconv.Itoa(s.Port()) {
		return false
	}
	return name == "127.0.0.1" || name == "::1" || strings.EqualFold(name, "localhost")
}

// ownOrigin reports whether an Origin header is this server's.
func (s *Server) ownOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Scheme == "http" && u.Path == "" && u.User == nil && s.loopbackHost(u.Host)
}

// hasToken reports whether r carries the run's token, in the cookie or in
// an X-Hooktool-Token header (for clients other than the page).
func (s *Server) hasToken(r *http.Request) bool {
	got := r.Header.Get("X-Hooktool-Token")
	if c, err := r.Cookie(s.cookieName()); err == nil && got == "" {
		got = c.Value
	}
	return s.tokenIs(got)
}

func (s *Server) tokenIs(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

// page serves the page. Opened with the token in its URL, it sets the
// cookie and sends the browser to the URL without it (out of the address
// bar and history).
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	if t := r.URL.Query().Get("token"); t != "" {
		if !s.tokenIs(t) {
			http.Error(w, "hooktool inspect: wrong token: open the URL this run of hooktool printed", http.StatusForbidden)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if !s.hasToken(r) {
		http.Error(w, "hooktool inspect: no token: open the URL hooktool printed", http.StatusForbidden)
		return
	}
	b, err := uiFiles.ReadFile("ui/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}
