package catalog

import (
	"slices"
	"testing"
)

// TestSvixSendersRetryOnSvixSchedule: a provider that delivers through
// Svix (its deliveries signed by the svix scheme) is retried on Svix's
// documented schedule, the svix profile's, which --retry provider follows;
// a profile with Svix's waits only in its note would leave it nothing to
// follow.
func TestSvixSendersRetryOnSvixSchedule(t *testing.T) {
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	svix := cat.Provider("svix").Retry.Waits()
	if len(svix) == 0 {
		t.Fatal("the svix profile has no retry schedule")
	}
	senders := 0
	for _, p := range cat.Providers {
		if p.Signing.Scheme != "svix" || p.ID == "svix" {
			continue
		}
		senders++
		if w := p.Retry.Waits(); !slices.Equal(w, svix) {
			t.Errorf("%s: retry schedule %v, want Svix's %v", p.ID, w, svix)
		}
	}
	if senders == 0 {
		t.Error("no provider but svix signs with the svix scheme")
	}
}
