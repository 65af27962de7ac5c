// Package sshdtest runs a real OpenSSH server on a loopback port for the
// tests of the ssh tunnel kind: a throwaway host key, one authorised
// throwaway client key, the current user, and nothing else. It is used by
// tests only (the tunnel package's and the end-to-end specs'), as
// net/http/httptest is.
package sshdtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SSHD is where sshd is looked for first (Debian's openssh-server), then
// PATH.
const SSHD = "/usr/sbin/sshd"

// Server is a running sshd.
type Server struct {
	// Port is the loopback port sshd listens on; User the account to log
	// in as (the current user).
	Port int
	User string
	// Identity is the client's private key (0600); KnownHosts a
	// known_hosts file holding the server's host key for 127.0.0.1:Port.
	Identity   string
	KnownHosts string
	// Log is sshd's own output (-e), for a failing test to show.
	Log string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
	once sync.Once
}

// Missing says which of the programs the server and its client need is not
// installed ("" when all are): sshd, ssh-keygen, ssh.
func Missing() string {
	var missing []string
	if _, err := sshdPath(); err != nil {
		missing = append(missing, "sshd")
	}
	for _, p := range []string{"ssh-keygen", "ssh"} {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	return strings.Join(missing, ", ")
}

func sshdPath() (string, error) {
	if _, err := os.Stat(SSHD); err == nil {
		return SSHD, nil
	}
	return exec.LookPath("sshd")
}

// Start makes the keys and the config in dir and starts sshd on a free
// loopback port, returning once it accepts connections (or ctx ends).
// Stop it with Stop.
func Start(ctx context.Context, dir string) (*Server, error) {
	sshd, err := sshdPath()
	if err != nil {
		return nil, fmt.Errorf("sshd is not installed (Debian: apt-get install openssh-server): %w", err)
	}
	if os.Geteuid() == 0 {
		// As root sshd confines its pre-authentication child in this
		// directory, which the openssh-server service creates at start.
		if _, err := os.Stat("/run/sshd"); err != nil {
			return nil, fmt.Errorf("sshd run as root needs its privilege separation directory /run/sshd (mkdir -p /run/sshd): %w", err)
		}
	}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	hostKey := filepath.Join(dir, "ssh_host_ed25519_key")
	identity := filepath.Join(dir, "id_ed25519")
	for _, key := range []string{hostKey, identity} {
		if out, err := exec.CommandContext(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hooktool-test", "-f", key).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("ssh-keygen: %v: %s", err, out)
		}
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	pub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return nil, err
	}
	knownHosts := filepath.Join(dir, "known_hosts")
	// The host key pinned: the client checks it strictly.
	if err := os.WriteFile(knownHosts, []byte(fmt.Sprintf("[127.0.0.1]:%d %s", port, pub)), 0o600); err != nil {
		return nil, err
	}
	config := filepath.Join(dir, "sshd_config")
	lines := []string{
		"ListenAddress 127.0.0.1",
		"Port " + strconv.Itoa(port),
		"HostKey " + hostKey,
		"AuthorizedKeysFile " + identity + ".pub",
		"PidFile none",
		// A non-root sshd cannot use the system's checks of ownership.
		"StrictModes no",
		"UsePAM yes",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"AllowUsers " + u.Username,
		"AllowTcpForwarding remote",
		"GatewayPorts no",
		"PermitTTY no",
		"X11Forwarding no",
		"AllowAgentForwarding no",
		"LogLevel VERBOSE",
	}
	if err := os.WriteFile(config, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "sshd.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(sshd, "-D", "-e", "-f", config)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting sshd: %w", err)
	}
	s := &Server{Port: port, User: u.Username, Identity: identity, KnownHosts: knownHosts, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w; sshd said: %s", err, s.Said())
	}
	return s, nil
}

// waitReady waits until sshd answers with its version line.
func (s *Server) waitReady(ctx context.Context) error {
	for {
		select {
		case <-s.done:
			return fmt.Errorf("sshd exited: %v", s.err)
		default:
		}
		if conn, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if err == nil && strings.HasPrefix(line, "SSH-2.0-") {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sshd did not answer on %s: %w", s.Addr(), ctx.Err())
		case <-s.done:
			return fmt.Errorf("sshd exited: %v", s.err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Addr is sshd's address, 127.0.0.1:Port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Dest is the ssh kind's destination for this server: USER@127.0.0.1:PORT.
func (s *Server) Dest() string { return s.User + "@" + s.Addr() }

// ClientArgs are the client's arguments (--tunnel-arg values, one word
// each) that log in to this server with the throwaway key and check its
// host key against the pinned one, reading no user configuration.
func (s *Server) ClientArgs() []string {
	return []string{
		"-F/dev/null",
		"-oIdentityFile=" + s.Identity,
		"-oIdentitiesOnly=yes",
		"-oIdentityAgent=none",
		"-oUserKnownHostsFile=" + s.KnownHosts,
		"-oGlobalKnownHostsFile=/dev/null",
		"-oStrictHostKeyChecking=yes",
	}
}

// Said is what sshd logged so far.
func (s *Server) Said() string {
	b, _ := os.ReadFile(s.Log)
	return string(b)
}

var (
	loggedIn  = regexp.MustCompile(`(?m)^Accepted publickey for \S+ from 127\.0\.0\.1 port ([0-9]+) `)
	loggedOut = regexp.MustCompile(`(?m)^(?:Disconnected from user \S+|Connection closed by|Connection reset by|Closing connection to|Read error from remote host) 127\.0\.0\.1 port ([0-9]+)\b`)
)

// Sessions counts the clients that logged in, and those of them still
// connected, from what sshd logged (LogLevel VERBOSE): a client that ended
// its connection or was killed is "Disconnected", "Connection closed",
// "Closing connection" or "Read error from remote host" (a reset) in the
// log.
func (s *Server) Sessions() (loggedInCount, open int) {
	said := s.Said()
	openPorts := map[string]bool{}
	for _, m := range loggedIn.FindAllStringSubmatch(said, -1) {
		openPorts[m[1]] = true
		loggedInCount++
	}
	for _, m := range loggedOut.FindAllStringSubmatch(said, -1) {
		delete(openPorts, m[1])
	}
	return loggedInCount, len(openPorts)
}

// Stop ends sshd (and with it every session it serves) and waits for it.
func (s *Server) Stop() error {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	var exit *exec.ExitError
	if s.err != nil && !errors.As(s.err, &exit) {
		return s.err
	}
	return nil
}

// FreePort is a loopback port free a moment ago (sshd's own, a remote
// forward's fixed one).
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
