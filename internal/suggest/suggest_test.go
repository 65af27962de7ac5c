package suggest

import "testing"

func TestNearest(t *testing.T) {
	events := []string{"transfer.completed", "transfer.failed", "inwards.completed", "mandate.created", "ACCOUNT_CREDITED"}
	for _, tc := range []struct {
		name string
		want string
	}{
		{"transfer.complete", "transfer.completed"},  // a letter missing
		{"transfer.compelted", "transfer.completed"}, // two swapped
		{"tranfser.completed", "transfer.completed"}, // two swapped
		{"transfer.faild", "transfer.failed"},        // nearer to failed than completed
		{"account_credited", "ACCOUNT_CREDITED"},     // case only
		{"mandate.create", "mandate.created"},
		{"nothing.like.it", ""},
		{"x", ""},                                    // too short to guess from
		{"transfer.completed", "transfer.completed"}, // a known name is its own nearest
		{"", ""},
	} {
		if got := Nearest(tc.name, events); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := Nearest("aela", []string{"accounts", "adjutor", "aella", "duitnow", "payments"}); got != "aella" {
		t.Errorf("aela: %q", got)
	}
	if got := Nearest("strip", []string{"standard-webhooks", "svix", "stripe", "github"}); got != "stripe" {
		t.Errorf("strip: %q", got)
	}
	if got := Nearest("ab", []string{"cd", "xy"}); got != "" {
		t.Errorf("ab: a guess from nothing: %q", got)
	}
}

func TestDidYouMean(t *testing.T) {
	if got := DidYouMean("aela", []string{"aella", "accounts"}); got != "did you mean aella?" {
		t.Errorf("%q", got)
	}
	if got := DidYouMean("zzzz", []string{"aella", "accounts"}); got != "" {
		t.Errorf("%q", got)
	}
}

// TestNearestWithoutPrefix: a name given without the part before a known
// name's last "/" (a scenario's provider) is near that name, typo and
// all; a name near a whole known name is still preferred.
func TestNearestWithoutPrefix(t *testing.T) {
	scenarios := []string{"accounts/credit-then-debit", "aella/mandate-lifecycle", "aella/transfer-completed", "paystack/transfer-complete"}
	for _, tc := range []struct{ name, want string }{
		{"transfer-completed", "aella/transfer-completed"},
		{"mandate-lifecycel", "aella/mandate-lifecycle"},
		{"paystack/transfer-complet", "paystack/transfer-complete"},
		{"credit", ""},
		{"lifecycle", ""},
	} {
		if got := Nearest(tc.name, scenarios); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestNearestSwap: two letters swapped are one edit, as people mistype
// them: short names get their guess too.
func TestNearestSwap(t *testing.T) {
	subcommands := []string{"list", "show", "export", "diff", "run"}
	for _, tc := range []struct{ name, want string }{
		{"lsit", "list"},
		{"rnu", "run"},
		{"shwo", "show"},
		{"exprot", "export"},
		{"xx", ""},
	} {
		if got := Nearest(tc.name, subcommands); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
