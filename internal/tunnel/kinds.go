package tunnel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/tidwall/gjson"
)

// kindNames are the --tunnel values, for the error naming them.
var kindNames = []string{"cloudflared", "ngrok", "tailscale", "ssh:[USER@]HOST[:PORT]"}

// ErrUnknownKind is the error of a --tunnel value that names no kind.
var ErrUnknownKind = errors.New("unknown tunnel kind")

// Parse maps a --tunnel value to its Kind: cloudflared, ngrok, tailscale,
// or ssh:DEST (NewSSH).
func Parse(kind string, o Options) (Kind, error) {
	switch {
	case kind == "cloudflared":
		return &cloudflared{}, nil
	case kind == "ngrok":
		return &ngrok{}, nil
	case kind == "tailscale":
		return &tailscale{}, nil
	case strings.HasPrefix(kind, "ssh:"):
		dest := strings.TrimPrefix(kind, "ssh:")
		if dest == "" {
			return nil, errors.New("ssh: needs a destination: ssh:[USER@]HOST[:PORT]")
		}
		return NewSSH(dest, o)
	}
	return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownKind, kind, strings.Join(kindNames, ", "))
}

func targetURL(t Target) string {
	return "http://" + net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
}

// freePort asks the system for a free loopback port (for a client's local
// API).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// getJSON reads a small JSON document from a client's local API.
func getJSON(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

// ---- cloudflared -------------------------------------------------------------

// cloudflared is a quick tunnel (no account): `cloudflared tunnel --url
// http://127.0.0.1:PORT --metrics 127.0.0.1:MPORT`. Its metrics server
// answers GET /quicktunnel with {"hostname":"NAME.trycloudflare.com"}
// (cloudflare/cloudflared, metrics/metrics.go); its log says the URL in a
// box (cmd/cloudflared/tunnel/quick_tunnel.go):
//
//	INF |  https://NAME.trycloudflare.com  |
//
// Cloudflare passes the sender's address in Cf-Connecting-Ip
// (developers.cloudflare.com, "HTTP request headers").
type cloudflared struct {
	mu      sync.Mutex
	metrics string // host:port of the metrics server of the client running
}

func (k *cloudflared) Name() string { return "cloudflared" }
func (k *cloudflared) Bin() string  { return "cloudflared" }

func (k *cloudflared) Args(t Target) ([]string, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.metrics = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	k.mu.Unlock()
	return []string{"tunnel", "--url", targetURL(t), "--metrics", k.metrics}, nil
}

// cloudflaredBox is the line of the quick tunnel's box that holds its URL.
var cloudflaredBox = regexp.MustCompile(`\|\s+(https://[^\s|]+)\s+\|`)

func (k *cloudflared) FromLine(line string) (string, bool) {
	m := cloudflaredBox.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	return m[1], true
}

func (k *cloudflared) Poll(ctx context.Context, c *http.Client, bin string) (string, error) {
	k.mu.Lock()
	addr := k.metrics
	k.mu.Unlock()
	if addr == "" {
		return "", nil
	}
	body, err := getJSON(ctx, c, "http://"+addr+"/quicktunnel")
	if err != nil {
		return "", nil // not serving yet, or a cloudflared without it: the log says the URL
	}
	host := gjson.GetBytes(body, "hostname").String()
	if host == "" || strings.ContainsAny(host, "/?#@ ") {
		return "", nil
	}
	return "https://" + host, nil
}

func (k *cloudflared) SenderHeader() string { return "Cf-Connecting-Ip" }

func (k *cloudflared) Cleanup(context.Context, string, Target) error { return nil }

func (k *cloudflared) Install(goos string) string {
	switch goos {
	case "darwin":
		return "brew install cloudflared"
	case "windows":
		return "winget install --id Cloudflare.cloudflared"
	}
	return "install the cloudflared package from https://pkg.cloudflare.com/ (Debian, Ubuntu, RHEL), or a binary from https://github.com/cloudflare/cloudflared/releases"
}

// ---- ngrok -------------------------------------------------------------------

// ngrok is `ngrok http 127.0.0.1:PORT --log stdout --log-format json`,
// with the user's configured authtoken. Its JSON log says the URL
// (ngrok docs, "Agent CLI" and "Logging"):
//
//	{"lvl":"info","msg":"started tunnel","obj":"tunnels","name":"command_line","addr":"http://127.0.0.1:4242","url":"https://…ngrok-free.app"}
//
// and where its agent API is:
//
//	{"lvl":"info","msg":"starting web service","obj":"web","addr":"127.0.0.1:4040"}
//
// whose GET /api/tunnels lists {"tunnels":[{"public_url":…,"config":{"addr":…}}]}
// (ngrok docs, "Agent API"). ngrok adds X-Forwarded-For.
type ngrok struct {
	mu  sync.Mutex
	web string // the agent API's host:port, from the log
}

func (k *ngrok) Name() string { return "ngrok" }
func (k *ngrok) Bin() string  { return "ngrok" }

func (k *ngrok) Args(t Target) ([]string, error) {
	k.mu.Lock()
	k.web = ""
	k.mu.Unlock()
	return []string{"http", net.JoinHostPort(t.Host, strconv.Itoa(t.Port)), "--log", "stdout", "--log-format", "json"}, nil
}

func (k *ngrok) FromLine(line string) (string, bool) {
	if !gjson.Valid(line) {
		return "", false
	}
	r := gjson.Parse(line)
	switch r.Get("msg").String() {
	case "starting web service":
		if a := r.Get("addr").String(); a != "" {
			k.mu.Lock()
			k.web = a
			k.mu.Unlock()
		}
	case "started tunnel":
		if u := r.Get("url").String(); strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			return u, true
		}
	}
	return "", false
}

func (k *ngrok) Poll(ctx context.Context, c *http.Client, bin string) (string, error) {
	k.mu.Lock()
	web := k.web
	k.mu.Unlock()
	if web == "" {
		web = "127.0.0.1:4040" // ngrok's default web_addr
	}
	body, err := getJSON(ctx, c, "http://"+web+"/api/tunnels")
	if err != nil {
		return "", nil
	}
	var doc struct {
		Tunnels []struct {
			PublicURL string `json:"public_url"`
			Proto     string `json:"proto"`
		} `json:"tunnels"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return "", nil
	}
	for _, t := range doc.Tunnels {
		if strings.HasPrefix(t.PublicURL, "https://") {
			return t.PublicURL, nil
		}
	}
	return "", nil
}

func (k *ngrok) SenderHeader() string { return "X-Forwarded-For" }

func (k *ngrok) Cleanup(context.Context, string, Target) error { return nil }

func (k *ngrok) Install(goos string) string {
	s := "download it from https://ngrok.com/download"
	switch goos {
	case "darwin":
		s = "brew install ngrok"
	case "windows":
		s = "winget install ngrok.ngrok"
	case "linux":
		s = "snap install ngrok, or download it from https://ngrok.com/download"
	}
	return s + "; then `ngrok config add-authtoken TOKEN` with your account's authtoken"
}

// ---- tailscale ---------------------------------------------------------------

// tailscale is Funnel: `tailscale funnel --bg PORT` sets the funnel up in
// tailscaled and exits (tailscale.com/kb "tailscale funnel command": --bg
// runs it in the background, --https=443 by default);
// `tailscale status --json` names this machine in .Self.DNSName (with a
// trailing dot), and the funnel is https://NAME/; `tailscale funnel
// --https=443 off` removes it. tailscaled's proxy sets X-Forwarded-For
// (ipn/ipnlocal/serve.go).
type tailscale struct{}

func (k *tailscale) Name() string   { return "tailscale" }
func (k *tailscale) Bin() string    { return "tailscale" }
func (k *tailscale) Detached() bool { return true }

func (k *tailscale) Args(t Target) ([]string, error) {
	target := strconv.Itoa(t.Port) // a port means http://127.0.0.1:PORT
	if t.Host != "127.0.0.1" {
		target = targetURL(t)
	}
	return []string{"funnel", "--bg", "--yes", target}, nil
}

func (k *tailscale) FromLine(string) (string, bool) { return "", false }

func (k *tailscale) Poll(ctx context.Context, _ *http.Client, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "status", "--json").Output()
	if err != nil {
		return "", nil
	}
	name := strings.TrimSuffix(gjson.GetBytes(out, "Self.DNSName").String(), ".")
	if name == "" || strings.ContainsAny(name, "/?#@ ") {
		return "", nil
	}
	return "https://" + name, nil
}

func (k *tailscale) SenderHeader() string { return "X-Forwarded-For" }

func (k *tailscale) Cleanup(ctx context.Context, bin string, _ Target) error {
	out, err := exec.CommandContext(ctx, bin, "funnel", "--https=443", "off").CombinedOutput()
	if err != nil {
		return fmt.Errorf("tailscale funnel --https=443 off: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (k *tailscale) Install(goos string) string {
	s := "curl -fsSL https://tailscale.com/install.sh | sh"
	switch goos {
	case "darwin":
		s = "brew install --cask tailscale (or the Mac App Store)"
	case "windows":
		s = "winget install tailscale.tailscale"
	}
	return s + "; then `tailscale up`, and allow Funnel for this machine in the tailnet's policy"
}
