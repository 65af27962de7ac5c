// Command pageclient does, for bench/listen.sh, what the inspector's page
// does while it is open: it lists the newest deliveries (GET
// /api/deliveries), then follows the live ones (GET /api/events,
// Server-Sent Events), decoding each; on a "reset" (the stream fell more
// than a page behind) it lists again and follows on from the newest, as
// the page's reload does. It sends the run's token as X-Hooktool-Token.
// It stops when the server ends the stream, or on SIGINT or SIGTERM, and
// prints one line: PAGE events=N resets=N lists=N bytes=N.
//
//	go run ./bench/pageclient -url 'http://127.0.0.1:4243/?token=T' -ready-file /tmp/page.ready
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

type client struct {
	base, token string
	http        *http.Client
	events      int
	resets      int
	lists       int
	bytes       int64
}

func main() {
	raw := flag.String("url", "", "the inspector's URL as hooktool printed it (http://127.0.0.1:PORT/?token=T)")
	ready := flag.String("ready-file", "", "write \"ready\" here once the first event stream is open")
	flag.Parse()
	u, err := url.Parse(*raw)
	if err != nil || u.Query().Get("token") == "" {
		log.Fatalf("pageclient: -url %q is not the inspector's URL with its token", *raw)
	}
	c := &client{base: u.Scheme + "://" + u.Host, token: u.Query().Get("token"), http: &http.Client{}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = c.run(ctx, *ready)
	fmt.Printf("PAGE events=%d resets=%d lists=%d bytes=%d\n", c.events, c.resets, c.lists, c.bytes)
	if err != nil && ctx.Err() == nil {
		log.Fatalf("pageclient: %v", err)
	}
}

func (c *client) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Hooktool-Token", c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return resp, nil
}

// list gets the first page and returns the newest seq (total - 1).
func (c *client) list(ctx context.Context) (int, error) {
	resp, err := c.get(ctx, "/api/deliveries")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var page struct {
		Deliveries []json.RawMessage `json:"deliveries"`
		Total      int               `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return 0, err
	}
	c.lists++
	return page.Total - 1, nil
}

// run lists, then follows; a reset starts again.
func (c *client) run(ctx context.Context, ready string) error {
	for {
		newest, err := c.list(ctx)
		if err != nil {
			return err
		}
		resp, err := c.get(ctx, "/api/events?after="+strconv.Itoa(newest))
		if err != nil {
			return err
		}
		if ready != "" {
			if err := os.WriteFile(ready, []byte("ready\n"), 0o644); err != nil {
				return err
			}
			ready = ""
		}
		reset, err := c.follow(resp.Body)
		resp.Body.Close()
		if !reset {
			return err
		}
	}
}

// follow reads events until a reset (true) or the stream's end.
func (c *client) follow(body io.Reader) (bool, error) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	var event, data string
	for sc.Scan() {
		line := sc.Text()
		c.bytes += int64(len(line) + 1)
		switch {
		case strings.HasPrefix(line, "event: "):
			event = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			data = line[len("data: "):]
		case line == "":
			switch event {
			case "delivery":
				var d struct {
					ID  string `json:"id"`
					Seq int    `json:"seq"`
				}
				if err := json.Unmarshal([]byte(data), &d); err != nil {
					return false, fmt.Errorf("a delivery event that is not JSON: %w", err)
				}
				c.events++
			case "reset":
				c.resets++
				return true, nil
			}
			event, data = "", ""
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return false, err
	}
	return false, nil
}
