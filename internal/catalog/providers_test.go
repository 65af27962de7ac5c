package catalog

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// The seed documents in shared/seeds/ are the ground truth for the built-in
// providers; these tests pin the facts taken from them.

func loadBuiltin(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustProvider(t *testing.T, c *Catalog, id string) *Provider {
	t.Helper()
	p := c.Provider(id)
	if p == nil {
		t.Fatalf("no built-in provider %q (have %s)", id, strings.Join(c.ProviderIDs(), ", "))
	}
	return p
}

func render(t *testing.T, e *Event) []byte {
	t.Helper()
	body, err := e.Render(time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestSeedAccountsIdentifiersAndCodes checks the account lifecycle API's
// nine notifications against 004_a5d527cf723be225.txt: identifier, numeric
// code, message, and the form of its ids.
func TestSeedAccountsIdentifiersAndCodes(t *testing.T) {
	p := mustProvider(t, loadBuiltin(t), "accounts")
	want := []struct {
		identifier string
		code       int64
		message    string
	}{
		{"ACCOUNT_CREATED", 1143, "Account Update"},
		{"ACCOUNT_REQUEST_APPROVED", 2196, "Account Request Update"},
		{"ACCOUNT_REQUEST_REJECTED", 2198, "Account Request Update"},
		{"BALANCE_UPDATE", 3019, "Balance Update"},
		{"DEPOSIT_BALANCE_UPDATE", 3020, "Deposit balance update"},
		{"TRANSACTION_CONFIRMED", 3021, "Transaction Update"},
		{"TRANSACTION_REJECTED", 3022, "Transaction Update"},
		{"ACCOUNT_CREDITED", 3023, "Account Credited"},
		{"ACCOUNT_DEBITED", 3024, "Account Debited"},
	}
	if p.EventPath != "identifier" {
		t.Errorf("accounts event_path = %q, want identifier", p.EventPath)
	}
	forms := map[string]*regexp.Regexp{
		"accountNumber":  regexp.MustCompile(`^GB\d{16}$`),
		"requestId":      regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
		"transactionId":  regexp.MustCompile(`^TRX-\d{9}$`),
		"transactionRef": regexp.MustCompile(`^XFER-\d{11}$`),
	}
	for _, w := range want {
		e := p.Event(w.identifier)
		if e == nil {
			t.Errorf("accounts has no event %s", w.identifier)
			continue
		}
		if e.IsIllustrative() {
			t.Errorf("%s is marked illustrative, but the seed shows its payload", w.identifier)
		}
		body := render(t, e)
		code := gjson.GetBytes(body, "code")
		if code.Type != gjson.Number || code.Int() != w.code {
			t.Errorf("%s: code = %s, want the number %d", w.identifier, code.Raw, w.code)
		}
		if got := gjson.GetBytes(body, "message").String(); got != w.message {
			t.Errorf("%s: message = %q, want %q", w.identifier, got, w.message)
		}
		for field, form := range forms {
			if v := gjson.GetBytes(body, field); v.Exists() && !form.MatchString(v.String()) {
				t.Errorf("%s: %s = %q does not have the seed's form %s", w.identifier, field, v.String(), form)
			}
		}
		for _, field := range []string{"amount", "balance"} {
			if v := gjson.GetBytes(body, field); v.Exists() && v.Type != gjson.Number {
				t.Errorf("%s: %s is %s, want a number", w.identifier, field, v.Raw)
			}
		}
	}
	// The seed shows only the balance for credits and debits.
	for _, name := range []string{"ACCOUNT_CREDITED", "ACCOUNT_DEBITED"} {
		if e := p.Event(name); e != nil && gjson.GetBytes(render(t, e), "amount").Exists() {
			t.Errorf("%s: the seed's example has no amount", name)
		}
	}
}

func TestSeedEventNames(t *testing.T) {
	c := loadBuiltin(t)
	cases := []struct {
		id    string
		names []string
	}{
		{"aella", []string{
			"transfer.completed", "transfer.failed", "inwards.completed", "mandate.created",
			"mandate.confirmed", "mandate.debit.initiated", "mandate.debit.failed", "mandate.debit.successful",
		}},
		{"payments", []string{"payment.success", "payment.failed", "refund.processed", "transfer.success", "subscription.renew"}},
	}
	for _, tc := range cases {
		// Every event the seed names is there (more may be added).
		p := mustProvider(t, c, tc.id)
		for _, name := range tc.names {
			if !slices.Contains(p.EventNames(), name) {
				t.Errorf("%s has no event %s (has %s)", tc.id, name, strings.Join(p.EventNames(), ", "))
			}
		}
	}
	// payments: only payment.success's payload is published, as
	// {event, data:{transaction_id, amount, currency, status, customer}}.
	p := mustProvider(t, c, "payments")
	for i := range p.Events {
		e := &p.Events[i]
		if want := e.Name != "payment.success"; e.IsIllustrative() != want {
			t.Errorf("payments %s: illustrative = %v, want %v", e.Name, e.IsIllustrative(), want)
		}
		body := render(t, e)
		if id := gjson.GetBytes(body, "data.transaction_id").String(); !regexp.MustCompile(`^\d{9}$`).MatchString(id) {
			t.Errorf("payments %s: data.transaction_id = %q, want 9 digits", e.Name, id)
		}
	}
	if e := p.Event("payment.failed"); e != nil {
		if got := gjson.GetBytes(render(t, e), "data.status").String(); got != "failed" {
			t.Errorf("payment.failed: data.status = %q", got)
		}
	}
}

func TestSeedIllustrativeProviders(t *testing.T) {
	c := loadBuiltin(t)
	for _, id := range []string{"duitnow", "adjutor"} {
		p := mustProvider(t, c, id)
		if !p.Illustrative {
			t.Errorf("%s: the seed shows no payloads, so the provider must be marked illustrative", id)
		}
		if !strings.Contains(strings.ToLower(p.Docs), "illustrative") {
			t.Errorf("%s: the docs do not say the events are illustrative", id)
		}
	}
	for _, id := range []string{"accounts", "aella", "payments"} {
		if mustProvider(t, c, id).Illustrative {
			t.Errorf("%s: the seed publishes payloads; the provider is not illustrative as a whole", id)
		}
	}
	// None of the seeds publishes a signing scheme: every profile says so
	// and says how to override it.
	for _, p := range seedProviders(c) {
		if !strings.Contains(p.Signing.Note, "--scheme") {
			t.Errorf("%s: the signing note does not say how to override the scheme", p.ID)
		}
	}
}

// seedProviders are the providers made from the seed documents
// (shared/seeds/), as their source says.
func seedProviders(c *Catalog) []*Provider {
	var out []*Provider
	for _, p := range c.Providers {
		if strings.Contains(p.Source, "shared/seeds/") {
			out = append(out, p)
		}
	}
	return out
}

// TestBuiltinEventNamesUnique: no event name is shared between the seed
// providers, so `hooktool trigger NAME` never needs --provider for them.
// (Across the whole catalog names do repeat, GitHub's and Gitea's push:
// Find then asks for --provider, TestFindAmbiguousNamesEveryProvider.)
func TestBuiltinEventNamesUnique(t *testing.T) {
	c := loadBuiltin(t)
	owner := map[string]string{}
	for _, p := range seedProviders(c) {
		for _, name := range p.EventNames() {
			if other, dup := owner[name]; dup {
				t.Errorf("event %s is in both %s and %s", name, other, p.ID)
				continue
			}
			owner[name] = p.ID
			// A seed's name that another provider shares (Paystack's
			// transfer.failed) needs --provider, like any shared name.
			if e, err := c.Find(name, ""); (err != nil || e.Provider() != p) && !errors.Is(err, ErrAmbiguousEvent) {
				t.Errorf("Find(%q) without a provider: %v", name, err)
			}
		}
	}
}
