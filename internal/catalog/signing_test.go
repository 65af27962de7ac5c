package catalog

import "testing"

// TestFieldInForm: in a form body, the path names a parameter.
func TestFieldInForm(t *testing.T) {
	for _, tc := range []struct{ body, path, want string }{
		{"id=abc&state=paid&paid=true", "state", "paid"},
		{"name=MICHAEL+API&x=%2B1", "name", "MICHAEL API"},
		{"state=paid", "missing", ""},
		{"no form here", "state", ""},
		{`{"state":"paid"}`, "state", "paid"},
	} {
		if got := FieldIn([]byte(tc.body), tc.path); got != tc.want {
			t.Errorf("FieldIn(%q, %q) = %q, want %q", tc.body, tc.path, got, tc.want)
		}
	}
}
