package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWaitFile waits for a file to exist and be non-empty (a listener's
// --ready-file):
//
//	waitfile FILE [TIMEOUT]
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: waitfile FILE [TIMEOUT]")
	}
	timeout := 10 * time.Second
	if len(args) > 1 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		timeout = d
	}
	deadline := time.Now().Add(timeout)
	for {
		if st, err := os.Stat(ts.MkAbs(args[0])); err == nil && st.Size() > 0 {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within %s", args[0], timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdEnvFile sets an environment variable to a file's trimmed content:
//
//	envfile NAME FILE
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// cmdPost sends a plain HTTP request, independent of hooktool, and prints
// "status N" and the response body:
//
//	post [-method M] [-chunked] URL BODYFILE|- ['Name: value']...
//
// With "-" the body is empty.
func cmdPost(ts *testscript.TestScript, neg bool, args []string) {
	method, chunked := http.MethodPost, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		switch args[0] {
		case "-method":
			method, args = args[1], args[2:]
		case "-chunked":
			chunked, args = true, args[1:]
		default:
			ts.Fatalf("post: unknown option %s", args[0])
		}
	}
	if len(args) < 2 {
		ts.Fatalf("usage: post [-method M] [-chunked] URL BODYFILE|- ['Name: value']...")
	}
	var body []byte
	if args[1] != "-" {
		var err error
		body, err = os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
	}
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd) // unknown length: sent chunked
	}
	req, err := http.NewRequest(method, args[0], rd)
	ts.Check(err)
	if !chunked {
		req.ContentLength = int64(len(body))
	}
	for _, h := range args[2:] {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			ts.Fatalf("post: header %q is not 'Name: value'", h)
		}
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		if neg {
			return
		}
		ts.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(ts.Stdout(), "status %d\n%s\n", resp.StatusCode, out)
	if neg {
		ts.Fatalf("post: unexpected success")
	}
}
