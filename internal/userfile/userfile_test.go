package userfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadRefusesPastTheLimit(t *testing.T) {
	start := time.Now()
	_, err := Read("/dev/zero", MaxConfig)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Name != "/dev/zero" || err.Error() != "/dev/zero is larger than 8 MiB, the limit for it" {
		t.Fatalf("Read(/dev/zero) = %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	dir := t.TempDir()
	exact := filepath.Join(dir, "exact")
	if err := os.WriteFile(exact, []byte(strings.Repeat("k", MaxSecret)), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := Read(exact, MaxSecret); err != nil || len(data) != MaxSecret {
		t.Errorf("a file of exactly the limit: %d bytes, %v", len(data), err)
	}
	if err := os.WriteFile(exact, []byte(strings.Repeat("k", MaxSecret+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(exact, MaxSecret); !errors.As(err, &tl) || !strings.Contains(err.Error(), "64 KiB") {
		t.Errorf("one byte past the limit: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "missing"), MaxSecret); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := ReadAll(strings.NewReader("abcd"), "stdin", 3); err == nil || err.Error() != "stdin is larger than 3 bytes, the limit for it" {
		t.Errorf("ReadAll past the limit: %v", err)
	}
}

// TestWritePrivate: a new file is created 0600; an existing file or a
// symlink (even dangling) is refused with fs.ErrExist and left alone;
// replacing writes a new 0600 file over it, whatever the old one's mode.
func TestWritePrivate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k.pem")
	if err := WritePrivate(p, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode())
	}
	if err := WritePrivate(p, []byte("two"), false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Errorf("the existing file became %q", b)
	}
	link := filepath.Join(dir, "link.pem")
	os.Symlink(filepath.Join(dir, "target"), link)
	if err := WritePrivate(link, []byte("x"), false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("over a dangling symlink: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "target")); err == nil {
		t.Error("written through the symlink")
	}
	os.Chmod(p, 0o644)
	if err := WritePrivate(p, []byte("three"), true); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "three" || st.Mode().Perm() != 0o600 {
		t.Errorf("replaced: %q, mode %v", b, st.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
}
