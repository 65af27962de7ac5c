package tunnel

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/tunnel/sshdtest"
)

// The ssh kind against a real OpenSSH server (the issue asks for it): sshd
// on a loopback port with a throwaway host key and one authorised
// throwaway key, the real ssh client run with the kind's arguments (the
// key and the pinned host key passed as --tunnel-arg values would be), and
// a request sent to the remote-forwarded port arriving, byte-exact, at a
// loopback server standing for the listener.

// needSSHD starts sshd, or skips the test with why when OpenSSH is not
// installed; in CI (CI set, as .ci/run does, which installs it) it fails
// instead.
func needSSHD(t *testing.T, ctx context.Context) *sshdtest.Server {
	t.Helper()
	if missing := sshdtest.Missing(); missing != "" {
		msg := "OpenSSH is not installed (missing: " + missing + "); on Debian: apt-get install openssh-server openssh-client"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set: the real-sshd tests may not be skipped)")
		}
		t.Skip(msg)
	}
	s, err := sshdtest.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("sshd said:\n%s", s.Said())
		}
	})
	return s
}

// listenerStandIn is a loopback HTTP server that keeps each body it gets.
type listenerStandIn struct {
	addr   *net.TCPAddr
	mu     sync.Mutex
	bodies [][]byte
	got    chan struct{}
}

func startListenerStandIn(t *testing.T) *listenerStandIn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &listenerStandIn{addr: ln.Addr().(*net.TCPAddr), got: make(chan struct{}, 16)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		l.mu.Lock()
		l.bodies = append(l.bodies, body)
		l.mu.Unlock()
		w.Write([]byte(`{"received":true}`))
		l.got <- struct{}{}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return l
}

// sshClient is the real ssh client run with a kind's arguments: each line
// it prints goes to lines, closed when it exits (its output ends), as
// exited is.
type sshClient struct {
	lines  <-chan string
	exited <-chan struct{}
	kill   func()
}

// startSSH runs the real ssh client with the user's arguments (o.Args:
// --tunnel-arg values), then k's for target, as the supervisor does. It is
// killed and waited for when the test ends.
func startSSH(t *testing.T, k Kind, o Options, target Target) sshClient {
	t.Helper()
	own, err := k.Args(target)
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), o.Args...), own...)
	cmd := exec.Command(k.Bin(), args...)
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr // one stream; the pipe is closed when ssh exits
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s %q: %v", k.Bin(), args, err)
	}
	var said bytes.Buffer
	var mu sync.Mutex
	lines := make(chan string, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			said.WriteString(sc.Text() + "\n")
			mu.Unlock()
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	var once sync.Once
	kill := func() {
		once.Do(func() {
			cmd.Process.Kill()
			<-done
			cmd.Wait()
		})
	}
	t.Cleanup(func() {
		kill()
		if t.Failed() {
			mu.Lock()
			t.Logf("ssh %q said:\n%s", args, said.String())
			mu.Unlock()
		}
	})
	return sshClient{lines: lines, exited: done, kill: kill}
}

// deliver posts body to url until the forward is up (a refused connection
// means not yet, unless ssh has exited), and returns the answer's status.
func deliver(ctx context.Context, ssh sshClient, url string, body []byte) (int, error) {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		if !isRefused(err) {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("the remote-forwarded port never accepted: %w", err)
		case <-ssh.exited:
			return 0, fmt.Errorf("ssh exited; the remote-forwarded port: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func isRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// A body that text handling would change: every byte value, CR LF, NUL.
func hostileBody(t *testing.T) []byte {
	body := make([]byte, 0, 70<<10)
	for i := 0; i < 256; i++ {
		body = append(body, byte(i))
	}
	body = append(body, "\r\n\x00{\"a\":1}\n"...)
	random := make([]byte, 64<<10)
	rand.Read(random)
	return append(body, random...)
}

func checkArrived(t *testing.T, ctx context.Context, l *listenerStandIn, body []byte) {
	t.Helper()
	select {
	case <-l.got:
	case <-ctx.Done():
		t.Fatal("the delivery did not reach the local server")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bodies) != 1 {
		t.Fatalf("the local server got %d requests, want 1", len(l.bodies))
	}
	if !bytes.Equal(l.bodies[0], body) {
		t.Fatalf("the body arrived changed: %d bytes, want %d", len(l.bodies[0]), len(body))
	}
}

func TestSSHRealServerFixedRemotePort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	server := needSSHD(t, ctx)
	local := startListenerStandIn(t)
	remote, err := sshdtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	publicURL := "http://127.0.0.1:" + strconv.Itoa(remote)
	o := Options{RemotePort: remote, URL: publicURL, Args: server.ClientArgs()}
	k, err := NewSSH(server.Dest(), o)
	if err != nil {
		t.Fatal(err)
	}
	if url, err := k.Poll(ctx, http.DefaultClient, k.Bin()); err != nil || url != publicURL {
		t.Fatalf("Poll = %q, %v; want the --tunnel-url", url, err)
	}
	ssh := startSSH(t, k, o, Target{Host: "127.0.0.1", Port: local.addr.Port})
	body := hostileBody(t)
	status, err := deliver(ctx, ssh, publicURL+"/webhooks/aella?x=1", body)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK {
		t.Fatalf("the answer through the tunnel: %d", status)
	}
	checkArrived(t, ctx, local, body)

	// The remote forward ends with the client (Cleanup has nothing to
	// undo): once ssh is killed, sshd closes the port.
	ssh.kill()
	for {
		_, open := server.Sessions()
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(remote))
		if err == nil {
			conn.Close()
		}
		if open == 0 && err != nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the remote-forwarded port still accepts (%d sessions open) after ssh was killed", open)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestSSHRealServerAllocatesThePort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	server := needSSHD(t, ctx)
	local := startListenerStandIn(t)
	o := Options{Args: server.ClientArgs()}
	k, err := NewSSH(server.Dest(), o)
	if err != nil {
		t.Fatal(err)
	}
	ssh := startSSH(t, k, o, Target{Host: "127.0.0.1", Port: local.addr.Port})
	var publicURL string
	for publicURL == "" {
		select {
		case line, ok := <-ssh.lines:
			if !ok {
				t.Fatal("ssh exited before it said the allocated port")
			}
			publicURL, _ = k.FromLine(line)
		case <-ctx.Done():
			t.Fatal("ssh did not say the allocated port")
		}
	}
	if !strings.HasPrefix(publicURL, "http://127.0.0.1:") {
		t.Fatalf("learnt %q, want http://127.0.0.1:PORT", publicURL)
	}
	body := hostileBody(t)
	status, err := deliver(ctx, ssh, publicURL+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK {
		t.Fatalf("the answer through the tunnel: %d", status)
	}
	checkArrived(t, ctx, local, body)
}
