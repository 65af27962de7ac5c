package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteStarter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hooktool.yaml")
	if err := WriteStarter(path, false); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode %o, want 0600: the file may come to hold secrets", perm)
	}
	if err := os.WriteFile(path, []byte("mine: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = WriteStarter(path, false)
	if !errors.Is(err, ErrExists) || err.Error() != path+" exists: not overwritten" {
		t.Errorf("over an existing file: %v, want %q wrapping ErrExists", err, path+" exists: not overwritten")
	}
	if b, _ := os.ReadFile(path); string(b) != "mine: 1\n" {
		t.Errorf("the existing file was changed to %q", b)
	}
	if err := WriteStarter(path, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != Starter {
		t.Errorf("--force did not replace the file")
	}
}

// TestStarterLoads: the starter file is a config hooktool reads without a
// warning.
func TestStarterLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hooktool.yaml")
	if err := WriteStarter(path, false); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Options{ConfigFile: path, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if w := cfg.Warnings(); len(w) > 0 {
		t.Errorf("warnings: %v", w)
	}
	if _, ok := cfg.Endpoints["staging"]; !ok {
		t.Errorf("no staging endpoint in %v", cfg.Endpoints)
	}
}
