package main

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hooktool/hooktool/internal/tunnel/sshdtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdSSHD runs a real OpenSSH server on loopback for the ssh tunnel kind's
// spec (testdata/script/tunnel_ssh.txtar):
//
//	sshd need
//	    fails when OpenSSH (sshd, ssh, ssh-keygen) is not installed and CI
//	    is set (.ci/run installs it); otherwise does nothing, and the spec
//	    skips itself with [!exec:...] skip.
//	sshd start
//	    makes a throwaway host key and one authorised throwaway client key
//	    in $WORK/sshd (id_ed25519; the host key pinned in known_hosts),
//	    starts sshd on a free loopback port as the current user, and sets
//	    $SSHD_DEST (USER@127.0.0.1:PORT, for --tunnel ssh:) and
//	    $SSHD_FWDPORT (a free loopback port for the remote forward). sshd
//	    is stopped when the spec ends.
//	sshd gone [URL]
//	    waits (10s at most) until every client that logged in has
//	    disconnected (sshd's log says so) and the remote-forwarded port
//	    (URL's, by default $SSHD_FWDPORT's) refuses connections: no ssh
//	    client is left and the forward is gone. Fails if no client ever
//	    logged in.
func cmdSSHD(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: sshd need|start|gone [URL]")
	}
	switch args[0] {
	case "need":
		if missing := sshdtest.Missing(); missing != "" && os.Getenv("CI") != "" {
			ts.Fatalf("OpenSSH is not installed (missing: %s; Debian: apt-get install openssh-server openssh-client); CI is set: the ssh tunnel spec may not be skipped", missing)
		}
	case "start":
		dir := filepath.Join(ts.Getenv("WORK"), "sshd")
		ts.Check(os.MkdirAll(dir, 0o700))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		server, err := sshdtest.Start(ctx, dir)
		ts.Check(err)
		ts.Defer(func() { server.Stop() })
		// From now on "sshd gone" knows this server.
		ts.SetCmd("sshd", func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) > 0 && args[0] == "gone" {
				sshdGone(ts, server, args[1:])
				return
			}
			cmdSSHD(ts, neg, args)
		})
		fwd, err := sshdtest.FreePort()
		ts.Check(err)
		ts.Setenv("SSHD_DEST", server.Dest())
		ts.Setenv("SSHD_FWDPORT", strconv.Itoa(fwd))
	case "gone":
		ts.Fatalf("sshd gone: no sshd started (sshd start)")
	default:
		ts.Fatalf("usage: sshd need|start|gone [URL]")
	}
}

func sshdGone(ts *testscript.TestScript, server *sshdtest.Server, args []string) {
	const timeout = 10 * time.Second
	fwd := net.JoinHostPort("127.0.0.1", ts.Getenv("SSHD_FWDPORT"))
	if len(args) > 0 {
		u, err := url.Parse(args[0])
		ts.Check(err)
		fwd = u.Host
	}
	deadline := time.Now().Add(timeout)
	for {
		in, open := server.Sessions()
		if in == 0 {
			ts.Fatalf("no ssh client ever logged in; sshd said:\n%s", server.Said())
		}
		refused := false
		if conn, err := net.DialTimeout("tcp", fwd, time.Second); err != nil {
			refused = true
		} else {
			conn.Close()
		}
		if open == 0 && refused {
			ts.Logf("sshd: %d client(s) logged in, none left; %s refuses connections", in, fwd)
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("after %s: %d of %d ssh client(s) still connected, %s refused: %v; sshd said:\n%s", timeout, open, in, fwd, refused, server.Said())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
