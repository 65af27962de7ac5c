package cli

import (
	"errors"
	"reflect"
	"testing"
)

// TestOpenBrowser: the command that opens a URL is the system's own, chosen
// by the OS, and what it is given is the URL as one argument.
func TestOpenBrowser(t *testing.T) {
	const u = "http://127.0.0.1:4243/?token=abc"
	for _, tc := range []struct {
		goos string
		want []string
	}{
		{"linux", []string{"xdg-open", u}},
		{"freebsd", []string{"xdg-open", u}},
		{"darwin", []string{"open", u}},
		{"windows", []string{"cmd", "/c", "start", "", u}},
	} {
		var got []string
		err := openBrowser(tc.goos, u, func(name string, args ...string) error {
			got = append([]string{name}, args...)
			return nil
		})
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: ran %q (%v), want %q", tc.goos, got, err, tc.want)
		}
	}
	boom := errors.New("no such program")
	if err := openBrowser("linux", u, func(string, ...string) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("a runner's failure: %v, want it returned", err)
	}
}
