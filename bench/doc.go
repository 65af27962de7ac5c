// Package bench measures hooktool's verification against the bare
// cryptography it wraps (crypto/hmac and a constant-time compare) and, for
// Standard Webhooks, against the official Go library; and it holds the
// asymmetric schemes to the providers' official Node libraries
// (interop_test.go, interop/). It has no code of its own: the benchmarks and
// checks are in the _test.go files. See README.md.
package bench
