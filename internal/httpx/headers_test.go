package httpx

import (
	"net/http"
	"reflect"
	"testing"
)

func TestIsFraming(t *testing.T) {
	for _, name := range []string{"Content-Length", "content-length", "TRANSFER-ENCODING", "host", "Connection", "keep-alive",
		"Proxy-Authorization", "proxy-connection", "Proxy-Anything", "te", "Trailer", "upgrade", "Expect", "expect"} {
		if !IsFraming(name) {
			t.Errorf("IsFraming(%q) = false", name)
		}
	}
	for _, name := range []string{"Content-Type", "X-Host", "Hosts", "Authorization", "X-Proxy-Id", "Tee", ""} {
		if IsFraming(name) {
			t.Errorf("IsFraming(%q) = true", name)
		}
	}
}

func TestStripFraming(t *testing.T) {
	h := http.Header{
		"transfer-encoding": {"chunked"}, "Content-Length": {"3"}, "HOST": {"evil"}, "connection": {"keep-alive, X-Hop ,x-other"},
		"x-hop": {"1"}, "X-Other": {"2"}, "Proxy-Authorization": {"Basic x"}, "Content-Type": {"application/json"}, "X-Kept": {"a", "b"},
	}
	before := h.Clone()
	got := StripFraming(h)
	want := http.Header{"Content-Type": {"application/json"}, "X-Kept": {"a", "b"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("StripFraming = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(h, before) {
		t.Errorf("StripFraming changed its argument: %v", h)
	}
	clean := http.Header{"Content-Type": {"text/plain"}}
	if got := StripFraming(clean); len(got) != 1 {
		t.Errorf("StripFraming(clean) = %v", got)
	} else {
		got["X-Probe"] = nil // the same map: nothing to take out, nothing copied
		if _, same := clean["X-Probe"]; !same {
			t.Errorf("StripFraming copied a header with nothing to take out")
		}
	}
	if got := StripFraming(nil); got != nil {
		t.Errorf("StripFraming(nil) = %v", got)
	}
}

func TestSendable(t *testing.T) {
	h := http.Header{
		"Content-Length": {"3"}, "X-Ok": {"caf\xff\xfe tab\there"}, "Bad Name": {"x"}, "X-Cr": {"a\rb"}, "X-Lf": {"ok", "a\nb"},
		"X-Nul": {"a\x00b"}, "": {"x"}, "X-Colon:": {"x"},
	}
	got, invalid := Sendable(h)
	if want := (http.Header{"X-Ok": {"caf\xff\xfe tab\there"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Sendable = %v, want %v", got, want)
	}
	if want := []string{"", "Bad Name", "X-Colon:", "X-Cr", "X-Lf", "X-Nul"}; !reflect.DeepEqual(invalid, want) {
		t.Errorf("invalid = %q, want %q", invalid, want)
	}
	if len(h) != 8 {
		t.Errorf("Sendable changed its argument: %v", h)
	}
}

func TestUnsendable(t *testing.T) {
	h := http.Header{
		"content-length": {"3"}, "Host": {"evil"}, "Transfer-Encoding": {"chunked"}, "Connection": {"close"},
		"X-Ok": {"fine"}, "Bad Name": {"x"}, "X-Lf": {"a\nb"}, "Content-Type": {"text/plain"},
	}
	before := h.Clone()
	got := Unsendable(h)
	var names []string
	for _, r := range got {
		names = append(names, r.Name)
		if r.Reason == "" {
			t.Errorf("%s: no reason", r.Name)
		}
	}
	if want := []string{"Bad Name", "Connection", "Host", "Transfer-Encoding", "X-Lf", "content-length"}; !reflect.DeepEqual(names, want) {
		t.Errorf("Unsendable names %q, want %q", names, want)
	}
	for _, r := range got {
		framing := IsFraming(r.Name)
		if framing != (r.Reason == ReasonFraming) {
			t.Errorf("%s: reason %q", r.Name, r.Reason)
		}
	}
	if !reflect.DeepEqual(h, before) {
		t.Errorf("Unsendable changed its argument")
	}
	if got := Unsendable(http.Header{"X-Ok": {"a"}}); len(got) != 0 {
		t.Errorf("Unsendable(ok) = %v", got)
	}
}
