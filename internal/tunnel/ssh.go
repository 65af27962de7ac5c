package tunnel

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The ssh kind: `--tunnel ssh:[USER@]HOST[:PORT]` asks an SSH server to
// forward a port of its own to the listener (ssh -R). Two sorts of server
// are met:
//
//   - tunnel services (localhost.run, serveo, pinggy) print the public URL
//     in the session ssh opens, and their proxy adds X-Forwarded-For;
//   - a plain sshd prints nothing: with -R 0 OpenSSH itself says "Allocated
//     port N for remote forward to …" and the URL is http://HOST:N; with a
//     fixed port the URL is --tunnel-url. No proxy stands in between, so
//     an X-Forwarded-For header would be the sender's own words.
//
// A session is what carries a service's words; on a plain sshd it would
// run the user's login shell, which ends (and ssh with it) as soon as its
// input does. So ssh is run with -N (no session) unless the URL can only
// come from the server's words: a fixed remote port (services want 80)
// and no --tunnel-url. The user's --tunnel-arg values come first (the
// supervisor puts them there) and win: ssh keeps the first value given
// for an option (-o, -p), and -oSessionType=default (or =none) decides
// the session either way.

// The keepalive: a connection that stops answering is given up after
// interval × count (45 s), and the supervisor restarts the client.
const (
	sshAliveInterval = 15
	sshAliveCount    = 3
)

type sshKind struct {
	user, host string
	port       int // 0: ssh's own (its config's Port, else 22)
	o          Options
	// session: ssh opens a session, in which a service prints its URL.
	session bool
	// noSession: ssh is told -N (the user's arguments did not decide).
	noSession bool
}

// NewSSH is the ssh kind for dest, what follows "ssh:" in --tunnel:
// [USER@]HOST[:PORT], an IPv6 HOST in brackets. dest becomes one argument
// of ssh (never a shell's words): anything ssh could take for an option, or
// that is not a user name, host name, address or port, is refused.
func NewSSH(dest string, o Options) (Kind, error) {
	user, host, port, err := parseSSHDest(dest)
	if err != nil {
		return nil, err
	}
	if o.RemotePort < 0 || o.RemotePort > 65535 {
		return nil, fmt.Errorf("remote port %d: a port is 0 (the server picks) to 65535", o.RemotePort)
	}
	if o.URL != "" {
		if o.URL, err = CheckURL(o.URL); err != nil {
			return nil, err
		}
	}
	o.Args = append([]string(nil), o.Args...)
	k := &sshKind{user: user, host: host, port: port, o: o}
	switch sessionType(o.Args) {
	case "none":
	case "":
		k.session = o.URL == "" && o.RemotePort != 0
		k.noSession = !k.session
	default:
		k.session = true
	}
	return k, nil
}

func (k *sshKind) Name() string { return "ssh" }
func (k *sshKind) Bin() string  { return "ssh" }

func (k *sshKind) Args(t Target) ([]string, error) {
	addr, err := netip.ParseAddr(t.Host)
	if err != nil || addr.Zone() != "" {
		return nil, fmt.Errorf("the target %q is not an IP address", t.Host)
	}
	if t.Port < 1 || t.Port > 65535 {
		return nil, fmt.Errorf("the target port %d is not a port", t.Port)
	}
	// The supervisor puts the --tunnel-arg values (k.o.Args) first.
	var args []string
	if k.noSession {
		args = append(args, "-N")
	}
	args = append(args, "-T",
		"-o", "ExitOnForwardFailure=yes",
		"-o", "ServerAliveInterval="+strconv.Itoa(sshAliveInterval),
		"-o", "ServerAliveCountMax="+strconv.Itoa(sshAliveCount),
		// No password or passphrase prompt: in CI nobody answers, and
		// a key that needs one fails at once rather than hangs.
		"-o", "BatchMode=yes")
	if k.port != 0 {
		args = append(args, "-p", strconv.Itoa(k.port))
	}
	local := addr.String()
	if addr.Is6() {
		local = "[" + local + "]"
	}
	args = append(args, "-R", fmt.Sprintf("%d:%s:%d", k.o.RemotePort, local, t.Port))
	if k.user != "" {
		return append(args, k.user+"@"+k.host), nil
	}
	return append(args, k.host), nil
}

var (
	// OpenSSH's own line (at its default LogLevel) when the server
	// picked the port of an -R 0 forward.
	allocatedLine = regexp.MustCompile(`^Allocated port ([0-9]{1,5}) for remote forward to `)
	// localhost.run: "ID.lhr.life tunneled with tls termination, https://ID.lhr.life".
	lhrLine = regexp.MustCompile(`^\S+ tunneled with tls termination, (\S+)$`)
	// serveo: "Forwarding HTTP traffic from https://NAME.serveo.net".
	serveoLine = regexp.MustCompile(`^Forwarding HTTP traffic from (\S+)$`)
	// Colours and other terminal sequences some services add.
	csiSequence = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]`)
)

func (k *sshKind) FromLine(line string) (string, bool) {
	line = strings.TrimSpace(csiSequence.ReplaceAllString(line, ""))
	if m := allocatedLine.FindStringSubmatch(line); m != nil && !k.session {
		// --tunnel-url wins; the line still says the forward is up.
		if k.o.URL != "" {
			return k.o.URL, true
		}
		n, _ := strconv.Atoi(m[1])
		if k.o.RemotePort != 0 || n < 1 || n > 65535 {
			return "", false
		}
		return "http://" + net.JoinHostPort(k.host, strconv.Itoa(n)), true
	}
	if !k.session || k.o.URL != "" {
		return "", false
	}
	// The service's words: its tunnel line, or (pinggy) a line that is
	// nothing but the https URL. Any other line may name other pages
	// (a dashboard, the docs) and is not the URL.
	if m := lhrLine.FindStringSubmatch(line); m != nil {
		return publicOrigin(m[1], true)
	}
	if m := serveoLine.FindStringSubmatch(line); m != nil {
		return publicOrigin(m[1], true)
	}
	return publicOrigin(line, false)
}

// publicOrigin is raw as the https origin a service names, when it is one:
// a host name and perhaps a port, no user, no path (but "/" when
// slashOK), query or fragment.
func publicOrigin(raw string, slashOK bool) (string, bool) {
	if !strings.HasPrefix(raw, "https://") || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", false
	}
	if u.Path != "" && (u.Path != "/" || !slashOK) {
		return "", false
	}
	if !validHostName(u.Hostname()) {
		return "", false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", false
		}
	}
	return "https://" + u.Host, true
}

func (k *sshKind) Poll(ctx context.Context, c *http.Client, bin string) (string, error) {
	// --tunnel-url is known from the start; the self-check tells when
	// the forward carries it.
	return k.o.URL, nil
}

// SenderHeader is X-Forwarded-For when a service's proxy stands between
// the sender and ssh (localhost.run, serveo and pinggy add it); on a plain
// sshd nothing adds it, and one a sender wrote itself is not trusted.
func (k *sshKind) SenderHeader() string {
	if k.session {
		return "X-Forwarded-For"
	}
	return ""
}

// Cleanup: the remote forward ends with the connection.
func (k *sshKind) Cleanup(ctx context.Context, bin string, t Target) error { return nil }

func (k *sshKind) Install(goos string) string {
	switch goos {
	case "linux":
		return "install the OpenSSH client: sudo apt-get install openssh-client (Debian, Ubuntu), sudo dnf install openssh-clients (Fedora), sudo apk add openssh-client (Alpine)"
	case "darwin":
		return "ssh comes with macOS (/usr/bin/ssh); if it is gone: brew install openssh"
	case "windows":
		return "Windows 10 and 11 include the OpenSSH client: Settings > System > Optional features > OpenSSH Client, or in an administrator PowerShell: Add-WindowsCapability -Online -Name OpenSSH.Client~~~~0.0.1.0"
	default:
		return "install the OpenSSH client (ssh) with the system's package manager"
	}
}

// parseSSHDest splits [USER@]HOST[:PORT] (an IPv6 HOST in brackets).
func parseSSHDest(dest string) (user, host string, port int, err error) {
	bad := func(why string) (string, string, int, error) {
		return "", "", 0, fmt.Errorf("ssh destination %q: %s; the form is [USER@]HOST[:PORT], an IPv6 address in brackets", dest, why)
	}
	if dest == "" {
		return bad("empty")
	}
	if strings.ContainsFunc(dest, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return bad("spaces, control characters and non-ASCII letters are not allowed")
	}
	if strings.HasPrefix(dest, "-") {
		return bad("it must not start with '-' (ssh would take it for an option)")
	}
	hostport := dest
	if i := strings.LastIndexByte(dest, '@'); i >= 0 {
		user, hostport = dest[:i], dest[i+1:]
		if user == "" || strings.HasPrefix(user, "-") || strings.ContainsFunc(user, func(r rune) bool { return !userChar(r) }) {
			return bad("a user name is letters, digits and . _ + : - (not first)")
		}
	}
	portText := ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return bad("no ']' after the IPv6 address")
		}
		addr, err := netip.ParseAddr(hostport[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return bad("not an IPv6 address in brackets")
		}
		host = addr.String()
		rest := hostport[end+1:]
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return bad("only :PORT may follow the brackets")
			}
			portText = rest[1:]
			if portText == "" {
				return bad("no port after ':'")
			}
		}
	} else {
		host = hostport
		if i := strings.IndexByte(hostport, ':'); i >= 0 {
			host, portText = hostport[:i], hostport[i+1:]
			if strings.Contains(portText, ":") {
				return bad("an IPv6 address goes in brackets")
			}
			if portText == "" {
				return bad("no port after ':'")
			}
		}
		if !validHostAlias(host) {
			return bad("a host is a name (letters, digits, . _ -, not '-' or '.' first) or an address")
		}
	}
	if portText != "" {
		n, err := strconv.Atoi(portText)
		if err != nil || strings.ContainsFunc(portText, func(r rune) bool { return r < '0' || r > '9' }) || n < 1 || n > 65535 {
			return bad("the port is a number from 1 to 65535")
		}
		port = n
	}
	return user, host, port, nil
}

func userChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._+:-", r)
}

// validHostAlias: a host name, an IPv4 address or a Host alias of the
// user's ssh_config (which may have '_').
func validHostAlias(h string) bool {
	if h == "" || len(h) > 253 || h[0] == '-' || h[0] == '.' {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validHostName: a DNS name, labels of letters, digits and '-' (not at a
// label's ends).
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// CheckURL checks --tunnel-url, for every kind: an absolute http or https
// URL with a host, no user, query or fragment; a path is kept, without its
// final '/'. It returns the URL as the supervisor uses it.
func CheckURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("--tunnel-url %q: want the public URL, http(s)://HOST[:PORT][/PATH]", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// sessionType is the session the user's arguments ask ssh for: "none" for
// -N or -oSessionType=none, the SessionType otherwise, "" when they do not
// say.
func sessionType(args []string) string {
	found := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		opt := ""
		switch {
		case a == "-N":
			if found == "" {
				found = "none"
			}
			continue
		case a == "-o" && i+1 < len(args):
			opt = args[i+1]
			i++
		case strings.HasPrefix(a, "-o"):
			opt = a[2:]
		default:
			continue
		}
		key, value, ok := strings.Cut(strings.TrimSpace(opt), "=")
		if !ok {
			key, value, _ = strings.Cut(strings.TrimSpace(opt), " ")
		}
		if strings.EqualFold(strings.TrimSpace(key), "SessionType") && found == "" {
			found = strings.ToLower(strings.TrimSpace(value))
		}
	}
	return found
}
