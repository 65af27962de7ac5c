package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestCIJobScriptIsTheREADMEs holds testdata/ci/webhooks-job.sh to the
// README's "Use in CI" job: the same run: steps, names and text, in the
// same order, but for the two that are the caller's (installing hooktool
// and starting the app), so the spec that runs the script runs the job the
// README shows.
func TestCIJobScriptIsTheREADMEs(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)\n## Use in CI\n.*?\n```yaml\n(.*?)\n```\n").FindSubmatch(readme)
	if block == nil {
		t.Fatal(`the README has no yaml block under "## Use in CI"`)
	}
	var workflow struct {
		Jobs map[string]struct {
			Env   map[string]string
			Steps []struct{ Name, Run string }
		}
	}
	if err := yaml.Unmarshal(block[1], &workflow); err != nil {
		t.Fatalf("the README's CI job: %v", err)
	}
	job, ok := workflow.Jobs["webhooks"]
	if !ok || len(workflow.Jobs) != 1 {
		t.Fatalf("the README's CI job is not the one job webhooks: %v", workflow.Jobs)
	}
	if _, ok := job.Env["HOOKTOOL_SECRET"]; !ok {
		t.Error("the README's CI job no longer sets HOOKTOOL_SECRET, which the script requires")
	}
	var want []string
	for _, s := range job.Steps {
		if s.Run == "" || strings.HasPrefix(s.Run, "go install ") || s.Name == "Start the app under test" {
			continue
		}
		want = append(want, s.Name+"\n"+strings.TrimRight(s.Run, "\n"))
	}

	script, err := os.ReadFile(filepath.FromSlash(ciJobScript))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?ms)^step "([^"]+)" <<'RUN'\n(.*?)\nRUN$`).FindAllSubmatch(script, -1) {
		got = append(got, string(m[1])+"\n"+string(m[2]))
	}
	if len(got) == 0 {
		t.Fatalf("%s has no steps", ciJobScript)
	}
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Errorf("step %d differs:\nREADME:\n%s\n\n%s:\n%s", i+1, w, ciJobScript, g)
		}
	}
}
