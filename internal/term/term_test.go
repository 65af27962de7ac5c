package term

import (
	"strings"
	"testing"
)

func TestColorWanted(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		name     string
		terminal bool
		flag     bool
		getenv   func(string) string
		want     bool
	}{
		{"terminal", true, false, env(), true},
		{"pipe", false, false, env(), false},
		{"NO_COLOR on a terminal", true, false, env("NO_COLOR", "1"), false},
		{"empty NO_COLOR is unset", true, false, env("NO_COLOR", ""), true},
		{"--no-color", true, true, env(), false},
		{"dumb terminal", true, false, env("TERM", "dumb"), false},
		{"CLICOLOR_FORCE on a pipe", false, false, env("CLICOLOR_FORCE", "1"), true},
		{"CLICOLOR_FORCE=0", false, false, env("CLICOLOR_FORCE", "0"), false},
		{"NO_COLOR beats CLICOLOR_FORCE", false, false, env("CLICOLOR_FORCE", "1", "NO_COLOR", "1"), false},
		{"--no-color beats CLICOLOR_FORCE", false, true, env("CLICOLOR_FORCE", "1"), false},
	}
	for _, tc := range cases {
		if got := ColorWanted(tc.terminal, tc.flag, tc.getenv); got != tc.want {
			t.Errorf("%s: ColorWanted = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPaletteIsPerInstance(t *testing.T) {
	on, off := NewPalette(true), NewPalette(false)
	if got := on.OK("x"); !strings.Contains(got, "\x1b[") {
		t.Errorf("enabled palette did not colour: %q", got)
	}
	if got := off.OK("x"); got != "x" {
		t.Errorf("disabled palette coloured: %q", got)
	}
	// Making one palette must not switch the other.
	if got := on.Bad("y"); !strings.Contains(got, "\x1b[") {
		t.Errorf("enabled palette lost colour after another was made: %q", got)
	}
}
