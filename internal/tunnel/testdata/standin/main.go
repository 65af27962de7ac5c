// Command standin behaves like the tunnel clients hooktool starts
// (cloudflared, ngrok, tailscale), at the interfaces hooktool uses: the
// same arguments, the same log lines and JSON, the same local API. It
// really relays: a loopback "public" port (TLS, with the certificate in
// $STANDIN_DIR) is proxied to the target, adding the client's sender
// header as the real client would. The sender is the X-Standin-Client
// header of the request when the test sets one (the address of a client
// on the internet), else the connection's address.
//
// Installed under a client's name; it acts as that client. Environment:
//
//	STANDIN_DIR   state: cert.pem and key.pem (read), NAME.pid (each run
//	              appends its pid), calls (each run appends its arguments),
//	              tailscale's funnel.port and funnel.pid
//	STANDIN_MODE  nolog: the URL is not in the log (only the local API
//	              says it); noapi: the local API does not say it (only the
//	              log); norelay: the public port answers 200 itself, and
//	              nothing reaches the target
//	STANDIN_PORT  the public port (default: a free one)
//
// Every run ends by itself after five minutes.
package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const lifetime = 5 * time.Minute

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	dir := os.Getenv("STANDIN_DIR")
	if dir == "" {
		fatal("STANDIN_DIR is not set")
	}
	appendFile(filepath.Join(dir, "calls"), name+" "+strings.Join(os.Args[1:], " ")+"\n")
	go func() { time.Sleep(lifetime); os.Exit(3) }()
	switch name {
	case "cloudflared":
		cloudflared(dir, os.Args[1:])
	case "ngrok":
		ngrok(dir, os.Args[1:])
	case "tailscale":
		tailscale(dir, os.Args[1:])
	case "tailscaled":
		funnelDaemon(dir, os.Args[1:])
	default:
		fatal("installed as %q: not a client this stand-in knows", name)
	}
}

func mode(m string) bool {
	for _, f := range strings.Split(os.Getenv("STANDIN_MODE"), ",") {
		if f == m {
			return true
		}
	}
	return false
}

func fatal(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "standin: "+format+"\n", a...)
	os.Exit(1)
}

func appendFile(path, s string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fatal("%v", err)
	}
	defer f.Close()
	f.WriteString(s)
}

func writePid(dir, name string) {
	appendFile(filepath.Join(dir, name+".pid"), strconv.Itoa(os.Getpid())+"\n")
}

// flagValue is the value after --name (or in --name=value) in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// relay serves the public port: TLS on a loopback port, proxied to
// target with the sender's address in header (appended to what came, for
// X-Forwarded-For; replacing it, for Cf-Connecting-Ip). It returns the
// public URL.
func relay(dir, target, header string) string {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		fatal("target %q is not a URL", target)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		fatal("%v", err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:"+cmp.Or(os.Getenv("STANDIN_PORT"), "0"), &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		fatal("%v", err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host
		sender := r.In.Header.Get("X-Standin-Client")
		if sender == "" {
			sender, _, _ = net.SplitHostPort(r.In.RemoteAddr)
		}
		r.Out.Header.Del("X-Standin-Client")
		if header == "X-Forwarded-For" {
			// As ngrok and tailscaled do: what the sender said, then its
			// real address.
			if prior := r.In.Header.Values(header); len(prior) > 0 {
				sender = strings.Join(prior, ", ") + ", " + sender
			}
		}
		r.Out.Header.Set(header, sender)
	}}
	var h http.Handler = proxy
	if mode("norelay") {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	}
	start(ln, h)
	return "https://" + ln.Addr().String()
}

var (
	serversMu sync.Mutex
	servers   []*http.Server
)

func start(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h}
	serversMu.Lock()
	servers = append(servers, srv)
	serversMu.Unlock()
	go srv.Serve(ln)
}

// untilSignalled serves until SIGTERM or SIGINT, then, as cloudflared's
// graceful shutdown does, finishes the requests in flight and exits.
func untilSignalled() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	serversMu.Lock()
	defer serversMu.Unlock()
	for _, srv := range servers {
		srv.Shutdown(ctx)
	}
	os.Exit(0)
}

func serve(addr string, h http.Handler) string {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fatal("%v", err)
	}
	start(ln, h)
	return ln.Addr().String()
}

// cloudflared: `cloudflared [global flags] tunnel --url URL --metrics ADDR`.
// It logs to stderr; /quicktunnel on the metrics address says the hostname.
func cloudflared(dir string, args []string) {
	target, metrics := flagValue(args, "--url"), flagValue(args, "--metrics")
	if target == "" || metrics == "" || !slices.Contains(args, "tunnel") {
		fatal("usage: cloudflared tunnel --url URL --metrics ADDR")
	}
	writePid(dir, "cloudflared")
	log := func(s string) { fmt.Fprintf(os.Stderr, "%s INF %s\n", time.Now().UTC().Format(time.RFC3339), s) }
	log("Requesting new quick Tunnel on trycloudflare.com...")
	public := relay(dir, target, "Cf-Connecting-Ip")
	host := strings.TrimPrefix(public, "https://")
	mux := http.NewServeMux()
	mux.HandleFunc("/quicktunnel", func(w http.ResponseWriter, r *http.Request) {
		if mode("noapi") {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"hostname":"%s"}`, host)
	})
	serve(metrics, mux)
	if !mode("nolog") {
		log("+--------------------------------------------------------------------------------------------+")
		log("|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |")
		log("|  " + public + "                                                    |")
		log("+--------------------------------------------------------------------------------------------+")
	}
	log("Starting metrics server on " + metrics + "/metrics")
	log("Registered tunnel connection connIndex=0 location=lo01 protocol=quic")
	untilSignalled()
}

// ngrok: `ngrok http ADDR --log stdout --log-format json`.
func ngrok(dir string, args []string) {
	if len(args) < 2 || args[0] != "http" || flagValue(args, "--log") != "stdout" || flagValue(args, "--log-format") != "json" {
		fatal("usage: ngrok http ADDR --log stdout --log-format json")
	}
	writePid(dir, "ngrok")
	addr := args[1]
	target := addr
	if !strings.Contains(target, "://") {
		target = "http://" + target
	}
	line := func(v map[string]any) {
		v["t"] = time.Now().UTC().Format(time.RFC3339)
		b, _ := json.Marshal(v)
		fmt.Printf("%s\n", b)
	}
	line(map[string]any{"lvl": "info", "msg": "no configuration paths supplied"})
	public := relay(dir, target, "X-Forwarded-For")
	mux := http.NewServeMux()
	mux.HandleFunc("/api/tunnels", func(w http.ResponseWriter, r *http.Request) {
		tunnels := []any{}
		if !mode("noapi") {
			tunnels = append(tunnels, map[string]any{"name": "command_line", "proto": "https", "public_url": public,
				"config": map[string]any{"addr": target, "inspect": true}})
		}
		json.NewEncoder(w).Encode(map[string]any{"tunnels": tunnels, "uri": "/api/tunnels"})
	})
	web := serve("127.0.0.1:0", mux)
	line(map[string]any{"lvl": "info", "msg": "starting web service", "obj": "web", "addr": web, "allow_hosts": []string{}})
	if !mode("nolog") {
		line(map[string]any{"lvl": "info", "msg": "started tunnel", "obj": "tunnels", "name": "command_line", "addr": target, "url": public})
	}
	untilSignalled()
}

// tailscale: `tailscale funnel --bg [--yes] TARGET` hands the funnel to
// a daemon (as tailscaled) and exits; `tailscale status --json` says
// .Self.DNSName; `tailscale funnel --https=443 off` removes the funnel.
func tailscale(dir string, args []string) {
	switch {
	case len(args) >= 1 && args[0] == "status":
		name := ""
		if b, err := os.ReadFile(filepath.Join(dir, "funnel.host")); err == nil {
			name = strings.TrimSpace(string(b)) + "."
		}
		json.NewEncoder(os.Stdout).Encode(map[string]any{"BackendState": "Running", "Self": map[string]any{"DNSName": name, "HostName": "standin"}})
	case len(args) >= 2 && args[0] == "funnel" && args[len(args)-1] == "off":
		if b, err := os.ReadFile(filepath.Join(dir, "funnel.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				// As tailscaled, the funnel's requests in flight end first.
				syscall.Kill(pid, syscall.SIGTERM)
				for i := 0; i < 500 && syscall.Kill(pid, 0) == nil; i++ {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}
		os.Remove(filepath.Join(dir, "funnel.host"))
		os.Remove(filepath.Join(dir, "funnel.pid"))
		appendFile(filepath.Join(dir, "funnel-off"), strings.Join(args, " ")+"\n")
	case len(args) >= 2 && args[0] == "funnel" && slices.Contains(args, "--bg"):
		writePid(dir, "tailscale")
		target := args[len(args)-1]
		if _, err := strconv.Atoi(target); err == nil {
			target = "http://127.0.0.1:" + target
		}
		self, err := os.Executable()
		if err != nil {
			fatal("%v", err)
		}
		os.Remove(filepath.Join(dir, "funnel.host"))
		d := exec.Command(filepath.Join(filepath.Dir(self), "tailscaled"), target)
		d.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // not in the caller's group: a daemon
		if err := d.Start(); err != nil {
			fatal("starting the daemon: %v", err)
		}
		for i := 0; i < 500; i++ {
			if b, err := os.ReadFile(filepath.Join(dir, "funnel.host")); err == nil && len(b) > 0 {
				fmt.Printf("Available on the internet:\n\nhttps://%s/\n|-- proxy %s\n\nFunnel started and running in the background.\n", strings.TrimSpace(string(b)), target)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		fatal("the daemon did not start")
	default:
		fatal("usage: tailscale funnel --bg TARGET | tailscale funnel --https=443 off | tailscale status --json")
	}
}

// funnelDaemon is the stand-in's tailscaled: it relays until killed.
func funnelDaemon(dir string, args []string) {
	if len(args) != 1 {
		fatal("usage: tailscaled TARGET")
	}
	public := relay(dir, args[0], "X-Forwarded-For")
	os.WriteFile(filepath.Join(dir, "funnel.pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	tmp := filepath.Join(dir, "funnel.host.tmp")
	os.WriteFile(tmp, []byte(strings.TrimPrefix(public, "https://")+"\n"), 0o644)
	os.Rename(tmp, filepath.Join(dir, "funnel.host"))
	untilSignalled()
}
