package cli

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

const zzCatalog = `id: zzbank
name: ZZ Bank
category: banking
regions: [KE, UG]
docs_url: https://docs.zzbank.example/webhooks
source: hooktool's test
event_path: type
event_id_path: id
signing:
  scheme: hmac
  hmac: {header: ZZ-Signature, hash: sha512, encoding: base64, prefix: "v1=", template: "{timestamp}.{body}", timestamp_header: ZZ-Timestamp}
  tolerance: 10m
  note: a test profile
events:
  - name: zz.deposit
    description: Money came in.
    sample: '{"type": "zz.deposit", "id": "{{uuid "id"}}"}'
`

// TestProvidersSearchAndShow: providers groups, searches by text, region
// and category, prints docs URLs; providers show prints the whole profile.
func TestProvidersSearchAndShow(t *testing.T) {
	dir := sandbox(t)
	if err := os.Mkdir("cat", 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, "cat/zzbank.yaml", []byte(zzCatalog))
	_ = dir

	code, out, errs := run(t, "", "providers", "--catalog", "cat", "--search", "ZZ.DEP", "--region", "ke")
	if code != 0 || !regexp.MustCompile(`(?m)^CATEGORY +ID +NAME +EVENTS +SIGNING +DOCS +NOTE\nbanking +zzbank +ZZ Bank +1 +hmac sha512 base64 in ZZ-Signature +https://docs.zzbank.example/webhooks +from cat/zzbank.yaml\n$`).MatchString(out) {
		t.Errorf("search by event name and region: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, "", "providers", "--catalog", "cat", "--search", "zzbank", "--category", "payments"); code != 1 || out != "" || !strings.Contains(errs, "hooktool: error: no provider matches") {
		t.Errorf("no match: exit %d, want 1\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, "", "providers", "--catalog", "cat", "--search", "zz", "--json")
	var p struct {
		ID       string
		Category string
		DocsURL  string `json:"docs_url"`
		Regions  []string
		Signing  struct{ Tolerance string }
	}
	if err := json.Unmarshal([]byte(out), &p); code != 0 || err != nil || p.DocsURL != "https://docs.zzbank.example/webhooks" || strings.Join(p.Regions, ",") != "KE,UG" || p.Signing.Tolerance != "10m0s" || !strings.Contains(out, `"category":"banking"`) {
		t.Errorf("--json: exit %d, %v, %+v\n%s%s", code, err, p, out, errs)
	}

	code, out, errs = run(t, "", "providers", "show", "zzbank", "--catalog", "cat")
	for _, want := range []string{
		`(?m)^FIELD +VALUE$`, `(?m)^scheme +hmac$`, `(?m)^  header +ZZ-Signature$`, `(?m)^  hash +sha512$`,
		`(?m)^  prefix +"v1="$`, `(?m)^  signed content +\{timestamp\}\.\{body\}$`, `(?m)^  timestamp header +ZZ-Timestamp$`,
		`(?m)^tolerance +10m0s$`, `(?m)^event type +body type$`, `(?m)^event id +id$`, `(?m)^note +a test profile$`,
		`(?m)^docs url +https://docs.zzbank.example/webhooks$`, `(?m)^source +hooktool's test$`, `(?m)^regions +KE, UG$`,
		`(?m)^zzbank +zz.deposit +Money came in.$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("providers show: no %s in\n%s%s", want, out, errs)
		}
	}
	if code != 0 {
		t.Errorf("providers show: exit %d", code)
	}
	if code, _, errs := run(t, "", "providers", "show", "zzbnak", "--catalog", "cat"); code != 2 || !strings.Contains(errs, "did you mean zzbank?") {
		t.Errorf("an unknown provider: exit %d\n%s", code, errs)
	}
}

// TestProviderTolerance: a provider's documented tolerance is the one
// checked when its profile gives the scheme, unless --tolerance (or the
// environment, or the file) gives another.
func TestProviderTolerance(t *testing.T) {
	sandbox(t)
	if err := os.Mkdir("cat", 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, "cat/zzbank.yaml", []byte(zzCatalog))
	t.Setenv("HOOKTOOL_SECRET", "zz-secret")
	writeFile(t, "body.json", []byte(`{"type":"zz.deposit"}`))
	code, out, errs := run(t, "", "sign", "--provider", "zzbank", "--catalog", "cat", "--payload", "body.json")
	if code != 0 {
		t.Fatalf("sign: exit %d\n%s%s", code, out, errs)
	}
	args := []string{"verify", "--provider", "zzbank", "--catalog", "cat", "--payload", "body.json", "--at", "1800000480"} // 8 minutes later
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		args = append(args, "--header", line)
	}
	if code, out, errs := run(t, "", args...); code != 0 || !strings.Contains(out, "✔ valid") {
		t.Errorf("8 minutes within the provider's 10m: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(t, "", append(args, "--tolerance", "5m")...); code != 1 || !strings.Contains(out, "timestamp_too_old") {
		t.Errorf("--tolerance 5m beats the provider's: exit %d\n%s%s", code, out, errs)
	}
	t.Setenv("HOOKTOOL_TOLERANCE", "5m")
	if code, out, errs := run(t, "", args...); code != 1 || !strings.Contains(out, "timestamp_too_old") {
		t.Errorf("HOOKTOOL_TOLERANCE beats the provider's: exit %d\n%s%s", code, out, errs)
	}
}
