package signature

import (
	"crypto"
	"crypto/hmac"
	_ "crypto/sha1"   // crypto.SHA1.New
	_ "crypto/sha256" // crypto.SHA256.New
	_ "crypto/sha512" // crypto.SHA512.New
	"hash"
	"sync"
)

// macKey is a decoded secret. It keeps keyed HMAC states for reuse, so that
// a Verifier checking many deliveries with the same secret keys the HMAC
// once, not per delivery (keying costs two hash blocks and allocations).
type macKey struct {
	b []byte

	mu    sync.Mutex
	pools map[crypto.Hash]*sync.Pool
}

func newMacKey(b []byte) *macKey { return &macKey{b: b} }

// hmac returns an HMAC keyed with k, ready to write; give it back with done.
func (k *macKey) hmac(h crypto.Hash) hash.Hash {
	if m, ok := k.pool(h).Get().(hash.Hash); ok {
		return m
	}
	return hmac.New(h.New, k.b)
}

// done resets m and keeps it for the next hmac call.
func (k *macKey) done(h crypto.Hash, m hash.Hash) {
	m.Reset()
	k.pool(h).Put(m)
}

func (k *macKey) pool(h crypto.Hash) *sync.Pool {
	k.mu.Lock()
	defer k.mu.Unlock()
	p := k.pools[h]
	if p == nil {
		if k.pools == nil {
			k.pools = map[crypto.Hash]*sync.Pool{}
		}
		p = &sync.Pool{}
		k.pools[h] = p
	}
	return p
}
