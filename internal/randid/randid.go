// Package randid makes the random identifiers hooktool puts into what it
// signs and sends: message ids, sample ids and UUIDs. Every one comes from
// crypto/rand without modulo bias, so no id is likelier than another.
package randid

import (
	"crypto/rand"
	"fmt"
)

// Base62 is the alphabet of message ids: digits and both cases of letters.
const Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// MessageID returns a fresh message id in the style of Standard Webhooks'
// examples: "msg_" and 24 characters of Base62 (about 143 random bits).
func MessageID() string { return "msg_" + String(Base62, 24) }

// String returns n characters drawn uniformly from alphabet (1 to 256
// single-byte characters). A random byte is kept only below the largest
// multiple of len(alphabet) that fits in a byte, so every character is
// equally likely.
func String(alphabet string, n int) string {
	m := len(alphabet)
	if m == 0 || m > 256 {
		panic(fmt.Sprintf("randid: an alphabet of %d characters", m))
	}
	limit := 256 - 256%m // bytes at or above it would favour the first characters
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		// A few bytes more than needed: for the alphabets in use few bytes
		// are rejected (Base62: 1 in 32), so one read nearly always
		// suffices; the loop reads again when it does not.
		need := min(n-len(out), 48)
		chunk := buf[:need+need/8+4]
		_, _ = rand.Read(chunk) // crypto/rand.Read never fails (Go 1.24+)
		for _, b := range chunk {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%m])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}

// UUID returns a random (version 4) UUID.
func UUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
