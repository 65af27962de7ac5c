package cli

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/inspect"
	"github.com/hooktool/hooktool/internal/term"
)

// TestListenUIStopFreesItsPort: the inspector of listen --ui serves once
// started (before the listener says it is ready), and stop closes its
// port; the private capture file's directory is removed.
func TestListenUIStopFreesItsPort(t *testing.T) {
	streams, _, stderr := term.Test("")
	app := &App{Streams: streams, Getenv: os.Getenv, Now: time.Now}
	t.Setenv("TMPDIR", t.TempDir())
	path, remove, err := privateCapture()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ui, err := app.startUI(path, nil, 0, 10, -1, false, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "hooktool: inspector on "+ui.srv.URL()) {
		t.Errorf("stderr %q lacks the URL", stderr.String())
	}
	addr := "127.0.0.1:" + strconv.Itoa(ui.srv.Port())
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + "/api/deliveries")
	if err != nil {
		t.Fatalf("not serving once started: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden { // no token
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
	ui.stop()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the port is still held after stop: %v", err)
	}
	l.Close()
	remove()
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("the private directory is left: %v", err)
	}
}
