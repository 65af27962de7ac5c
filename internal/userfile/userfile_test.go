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
