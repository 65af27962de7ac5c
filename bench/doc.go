// Package bench measures hooktool's verification against the bare
// cryptography it wraps (crypto/hmac and a constant-time compare) and, for
// Standard Webhooks, against the official Go library. It has no code of its
// own: the benchmarks are in the _test.go files. See README.md.
package bench
