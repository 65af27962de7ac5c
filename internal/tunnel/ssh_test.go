package tunnel

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestNewSSHParsesTheDestination(t *testing.T) {
	for _, c := range []struct {
		dest string
		want []string // the args' tail: [-p PORT] -R ... DEST
	}{
		{"example.com", []string{"-R", "0:127.0.0.1:4242", "example.com"}},
		{"nokey@localhost.run", []string{"-R", "0:127.0.0.1:4242", "nokey@localhost.run"}},
		{"tok+qr@a.pinggy.io:443", []string{"-p", "443", "-R", "0:127.0.0.1:4242", "tok+qr@a.pinggy.io"}},
		{"dev@127.0.0.1:2222", []string{"-p", "2222", "-R", "0:127.0.0.1:4242", "dev@127.0.0.1"}},
		{"dev@[::1]:2222", []string{"-p", "2222", "-R", "0:127.0.0.1:4242", "dev@::1"}},
		{"[2001:db8::7]", []string{"-R", "0:127.0.0.1:4242", "2001:db8::7"}},
		{"my_box", []string{"-R", "0:127.0.0.1:4242", "my_box"}},
		{"a.b-c.d:22", []string{"-p", "22", "-R", "0:127.0.0.1:4242", "a.b-c.d"}},
	} {
		k, err := NewSSH(c.dest, Options{})
		if err != nil {
			t.Errorf("NewSSH(%q): %v", c.dest, err)
			continue
		}
		args, err := k.Args(Target{Host: "127.0.0.1", Port: 4242})
		if err != nil {
			t.Errorf("%q: Args: %v", c.dest, err)
			continue
		}
		if got := args[len(args)-len(c.want):]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: args end %q, want %q (all: %q)", c.dest, got, c.want, args)
		}
	}
}

// Everything in dest becomes one argv element of ssh (never a shell), so
// what is refused is what ssh could take for an option, or what is not a
// user, host or port at all.
func TestNewSSHRefusesWhatIsNotADestination(t *testing.T) {
	for _, dest := range []string{
		"",
		"-oProxyCommand=touch /tmp/x",
		"-p22",
		"user@-oProxyCommand=x",
		"-user@host",
		"host name",
		"host\tname",
		"host\nname",
		"host\x00",
		"host\x1b[2J",
		"user@",
		"@host",
		"a@b@c",
		"host:",
		"host:0",
		"host:65536",
		"host:22x",
		"host:-1",
		"host:+22",
		"::1",
		"[::1",
		"[notip]:22",
		"[::1]x",
		"host;rm -rf /",
		"$(id)",
		"`id`",
		"host/evil",
		"us er@host",
		"us'er@host",
		"hôst",
		".",
		"..",
	} {
		if k, err := NewSSH(dest, Options{}); err == nil {
			args, _ := k.Args(Target{Host: "127.0.0.1", Port: 4242})
			t.Errorf("NewSSH(%q) accepted it: %q", dest, args)
		}
	}
	if _, err := NewSSH("host", Options{RemotePort: 70000}); err == nil {
		t.Error("a remote port of 70000 was accepted")
	}
	if _, err := NewSSH("host", Options{RemotePort: -1}); err == nil {
		t.Error("a remote port of -1 was accepted")
	}
}

func TestSSHArgs(t *testing.T) {
	target := Target{Host: "127.0.0.1", Port: 4242}
	common := []string{"-T", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3", "-o", "BatchMode=yes"}
	cat := func(parts ...[]string) []string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}
	for _, c := range []struct {
		name string
		dest string
		o    Options
		t    Target
		want []string
	}{
		{
			// -R 0: a plain sshd allocates the port and ssh says which:
			// no session (-N).
			name: "server picks the port",
			dest: "dev@203.0.113.9:2222",
			want: cat([]string{"-N"}, common, []string{"-p", "2222", "-R", "0:127.0.0.1:4242", "dev@203.0.113.9"}),
		},
		{
			// --tunnel-url: the URL is known, no session either.
			name: "the URL given",
			dest: "dev@203.0.113.9",
			o:    Options{RemotePort: 8080, URL: "https://hooks.example.com"},
			want: cat([]string{"-N"}, common, []string{"-R", "8080:127.0.0.1:4242", "dev@203.0.113.9"}),
		},
		{
			// A fixed port and no URL: only the server's own words can say
			// it, and services such as localhost.run say it in a session.
			name: "a service that prints its URL",
			dest: "nokey@localhost.run",
			o:    Options{RemotePort: 80},
			want: cat(common, []string{"-R", "80:127.0.0.1:4242", "nokey@localhost.run"}),
		},
		{
			// --tunnel-arg values are the supervisor's to put first (ssh
			// keeps the first value of an option, so the user's win).
			name: "the user's arguments are not the kind's",
			dest: "dev@example.com",
			o:    Options{Args: []string{"-i", "/keys/id", "-o", "ServerAliveInterval=5"}},
			want: cat([]string{"-N"}, common, []string{"-R", "0:127.0.0.1:4242", "dev@example.com"}),
		},
		{
			// ssh refuses -N with a SessionType: the user's choice stands.
			name: "the user asks for a session",
			dest: "a.pinggy.io:443",
			o:    Options{Args: []string{"-oSessionType=default"}},
			want: cat(common, []string{"-p", "443", "-R", "0:127.0.0.1:4242", "a.pinggy.io"}),
		},
		{
			name: "the user says no session",
			dest: "nokey@localhost.run",
			o:    Options{RemotePort: 80, Args: []string{"-o", "SessionType none"}},
			want: cat(common, []string{"-R", "80:127.0.0.1:4242", "nokey@localhost.run"}),
		},
		{
			name: "an IPv6 target",
			dest: "dev@example.com",
			t:    Target{Host: "::1", Port: 4242},
			want: cat([]string{"-N"}, common, []string{"-R", "0:[::1]:4242", "dev@example.com"}),
		},
	} {
		k, err := NewSSH(c.dest, c.o)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		tt := c.t
		if tt.Host == "" {
			tt = target
		}
		got, err := k.Args(tt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
	k, _ := NewSSH("host", Options{})
	for _, bad := range []Target{{Host: "localhost", Port: 4242}, {Host: "127.0.0.1", Port: 0}, {Host: "-oX", Port: 1}} {
		if args, err := k.Args(bad); err == nil {
			t.Errorf("Args(%+v) = %q, want an error", bad, args)
		}
	}
}

// The lines are the real ones: localhost.run's (its banner, then its
// tunnel line), serveo's, pinggy's (ssh -T: one URL a line, after a notice
// that names its dashboard) and OpenSSH's own for -R 0.
func TestSSHFromLine(t *testing.T) {
	service, _ := NewSSH("nokey@localhost.run", Options{RemotePort: 80})
	plain, _ := NewSSH("dev@203.0.113.9:2222", Options{})
	plain6, _ := NewSSH("dev@[2001:db8::7]", Options{})
	given, _ := NewSSH("dev@203.0.113.9", Options{URL: "https://hooks.example.com"})
	for _, c := range []struct {
		k    Kind
		line string
		want string
	}{
		{service, "5adf5e96447668.lhr.life tunneled with tls termination, https://5adf5e96447668.lhr.life", "https://5adf5e96447668.lhr.life"},
		{service, "abcd1234.lhrtunnel.link tunneled with tls termination, https://abcd1234.lhrtunnel.link\r", "https://abcd1234.lhrtunnel.link"},
		{service, "Forwarding HTTP traffic from https://relego.serveo.net", "https://relego.serveo.net"},
		{service, "Forwarding HTTP traffic from https://3e0a85addddc9b68-49-37-226-229.serveousercontent.com", "https://3e0a85addddc9b68-49-37-226-229.serveousercontent.com"},
		{service, "https://rnzjv-57-129-28-138.a.free.pinggy.link", "https://rnzjv-57-129-28-138.a.free.pinggy.link"},
		{service, "  \x1b[32mhttps://rnzjv-57-129-28-138.a.free.pinggy.link\x1b[0m  ", "https://rnzjv-57-129-28-138.a.free.pinggy.link"},
		// Not the URL: banners, notices, the plain http twin, ssh's own
		// line (the service's port is not the URL).
		{service, "http://rnzjv-57-129-28-138.a.free.pinggy.link", ""},
		{service, "Your tunnel will expire in 60 minutes. Upgrade to Pinggy Pro to get unrestricted tunnels. https://dashboard.pinggy.io", ""},
		{service, "Welcome to localhost.run!", ""},
		{service, "Follow your favourite reverse tunnel at [https://twitter.com/localhost_run].", ""},
		{service, "https://docs.gitlab.com/ee/ssh/", ""},
		{service, "To set up and manage custom domains go to https://admin.localhost.run/", ""},
		{service, "To explore using localhost.run visit the documentation site:", ""},
		{service, "https://localhost.run/docs/", ""},
		{service, "** your connection id is 4de07fb0-777c-43e0-9ec4-589d360XXXXXX, please mention it if you send me a message about an issue. **", ""},
		{service, "Allocated port 33238 for remote forward to 127.0.0.1:4242", ""},
		// Hostile words are not a URL.
		{service, "x tunneled with tls termination, https://user:pw@evil.example", ""},
		{service, "x tunneled with tls termination, https://evil.example/path?q", ""},
		{service, "Forwarding HTTP traffic from https://evil.example\x1b]8;;x", ""},
		{service, "https://evil example", ""},
		{service, "https://", ""},
		{service, "https://-bad.example", ""},
		// A plain sshd with -R 0: OpenSSH's own line names the port.
		{plain, "Allocated port 33238 for remote forward to 127.0.0.1:4242", "http://203.0.113.9:33238"},
		{plain, "Allocated port 33238 for remote forward to 127.0.0.1:4242\r", "http://203.0.113.9:33238"},
		{plain6, "Allocated port 40001 for remote forward to [::1]:4242", "http://[2001:db8::7]:40001"},
		{plain, "Allocated port 0 for remote forward to 127.0.0.1:4242", ""},
		{plain, "Allocated port 70000 for remote forward to 127.0.0.1:4242", ""},
		{plain, "Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.", ""},
		// With -N there is no session: a banner's URL line is not the URL.
		{plain, "https://banner.example.com", ""},
		// --tunnel-url wins: the -R 0 line says when the forward is up.
		{given, "Allocated port 33238 for remote forward to 127.0.0.1:4242", "https://hooks.example.com"},
		{given, "https://other.example.com", ""},
	} {
		got, ok := c.k.FromLine(c.line)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("FromLine(%q) = %q, %v; want %q", c.line, got, ok, c.want)
		}
	}
}

func TestSSHPollAndHeader(t *testing.T) {
	ctx := context.Background()
	given, _ := NewSSH("dev@203.0.113.9", Options{URL: "https://hooks.example.com/"})
	if url, err := given.Poll(ctx, http.DefaultClient, "ssh"); err != nil || url != "https://hooks.example.com" {
		t.Errorf("Poll with --tunnel-url = %q, %v", url, err)
	}
	service, _ := NewSSH("nokey@localhost.run", Options{RemotePort: 80})
	if url, err := service.Poll(ctx, http.DefaultClient, "ssh"); err != nil || url != "" {
		t.Errorf("Poll without --tunnel-url = %q, %v", url, err)
	}
	// The services' proxies add X-Forwarded-For; on a plain sshd the
	// header would be the sender's own words, so none is trusted.
	if h := service.SenderHeader(); h != "X-Forwarded-For" {
		t.Errorf("service SenderHeader = %q", h)
	}
	if h := given.SenderHeader(); h != "" {
		t.Errorf("plain sshd (--tunnel-url) SenderHeader = %q, want none", h)
	}
	plain, _ := NewSSH("dev@203.0.113.9", Options{})
	if h := plain.SenderHeader(); h != "" {
		t.Errorf("plain sshd (-R 0) SenderHeader = %q, want none", h)
	}
	if _, err := NewSSH("dev@203.0.113.9", Options{URL: "ftp://x"}); err == nil {
		t.Error("an ftp --tunnel-url was accepted")
	}
	if plain.Name() != "ssh" || plain.Bin() != "ssh" {
		t.Errorf("Name, Bin = %q, %q", plain.Name(), plain.Bin())
	}
	if err := plain.Cleanup(ctx, "ssh", Target{Host: "127.0.0.1", Port: 1}); err != nil {
		t.Errorf("Cleanup: %v", err)
	}
	for goos, want := range map[string]string{"linux": "openssh-client", "darwin": "macOS", "windows": "OpenSSH.Client", "freebsd": "OpenSSH"} {
		if got := plain.Install(goos); !strings.Contains(got, want) {
			t.Errorf("Install(%s) = %q, want it to name %q", goos, got, want)
		}
	}
}

// Whatever dest is, what NewSSH accepts becomes a destination ssh cannot
// take for an option, with no byte a terminal or shell would act on.
func FuzzNewSSH(f *testing.F) {
	for _, s := range []string{"dev@127.0.0.1:2222", "nokey@localhost.run", "[::1]:22", "-oProxyCommand=x", "a@b@c", "h:0", "tok+qr@a.pinggy.io:443"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dest string) {
		k, err := NewSSH(dest, Options{})
		if err != nil {
			return
		}
		args, err := k.Args(Target{Host: "127.0.0.1", Port: 4242})
		if err != nil {
			t.Fatal(err)
		}
		last := args[len(args)-1]
		if strings.HasPrefix(last, "-") || strings.ContainsFunc(last, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("$`;'\"\\|&<>()*?/", r) }) {
			t.Fatalf("%q became the destination %q", dest, last)
		}
		for i, a := range args {
			if a == "-p" && (i+1 >= len(args) || strings.HasPrefix(args[i+1], "-")) {
				t.Fatalf("%q: -p without a port: %q", dest, args)
			}
		}
	})
}

// Whatever a server prints, a URL learnt from it is an https origin with a
// DNS name (a service's) or http://HOST:PORT (OpenSSH's line).
func FuzzSSHFromLine(f *testing.F) {
	for _, s := range []string{
		"5adf5e96447668.lhr.life tunneled with tls termination, https://5adf5e96447668.lhr.life",
		"Forwarding HTTP traffic from https://relego.serveo.net",
		"https://rnzjv-57-129-28-138.a.free.pinggy.link",
		"Allocated port 33238 for remote forward to 127.0.0.1:4242",
		"\x1b[32mhttps://a.b\x1b[0m",
	} {
		f.Add(s)
	}
	service, _ := NewSSH("nokey@localhost.run", Options{RemotePort: 80})
	plain, _ := NewSSH("dev@203.0.113.9", Options{})
	f.Fuzz(func(t *testing.T, line string) {
		if got, ok := service.FromLine(line); ok {
			if _, ok := publicOrigin(got, false); !ok {
				t.Fatalf("%q gave %q", line, got)
			}
		}
		if got, ok := plain.FromLine(line); ok {
			port, found := strings.CutPrefix(got, "http://203.0.113.9:")
			if !found || strings.ContainsFunc(port, func(r rune) bool { return r < '0' || r > '9' }) {
				t.Fatalf("%q gave %q", line, got)
			}
		}
	})
}
