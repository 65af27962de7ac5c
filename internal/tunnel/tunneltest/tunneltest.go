// Package tunneltest builds the stand-in tunnel clients
// (internal/tunnel/testdata/standin) for tests: one program installed as
// cloudflared, ngrok, tailscale (and tailscaled, the funnel's daemon) in
// a directory to put on PATH, and the TLS certificate of their "public"
// loopback ports. For tests only.
package tunneltest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// Names are the programs Install puts in its directory.
var Names = []string{"cloudflared", "ngrok", "tailscale", "tailscaled"}

// Build compiles the stand-in into dir/standin.
func Build(dir string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("tunneltest: cannot locate the stand-in's source")
	}
	src := filepath.Join(filepath.Dir(file), "..", "testdata", "standin")
	bin := filepath.Join(dir, "standin")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("tunneltest: go build: %v\n%s", err, out)
	}
	return bin, nil
}

// Install links (or copies) the stand-in built at bin into binDir under
// each of Names.
func Install(bin, binDir string) error {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	for _, n := range Names {
		dst := filepath.Join(binDir, n)
		if runtime.GOOS == "windows" {
			dst += ".exe"
		}
		os.Remove(dst)
		if err := os.Link(bin, dst); err != nil {
			b, err := os.ReadFile(bin)
			if err != nil {
				return err
			}
			if err := os.WriteFile(dst, b, 0o755); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteCert writes dir/cert.pem and dir/key.pem: a self-signed
// certificate for 127.0.0.1 and ::1, the stand-ins' public ports. Trust
// cert.pem (SSL_CERT_FILE, or a pool) to reach them over https.
func WriteCert(dir string) (certFile string, pool *x509.CertPool, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "hooktool stand-in tunnel"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", nil, err
	}
	certFile = filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return "", nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return "", nil, err
	}
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certFile, pool, nil
}
