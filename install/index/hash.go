package index

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
)

// knownHash reports an algorithm name hashlib guarantees and we verify.
func knownHash(name string) bool { return newHash(name) != nil }

func newHash(name string) hash.Hash {
	switch name {
	case "sha256":
		return sha256.New()
	case "sha224":
		return sha256.New224()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	case "sha1":
		return sha1.New()
	case "md5":
		return md5.New()
	}
	return nil
}

// HashMismatchError reports a file whose content does not match the hash
// its source published.
type HashMismatchError struct {
	What      string
	Algorithm string
	Want, Got string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s: %s hash mismatch: expected %s, got %s (the file was modified or corrupted in transit; it was not used)",
		e.What, e.Algorithm, e.Want, e.Got)
}

// hasher computes every known algorithm of want (and always sha256) over
// what is written to it.
type hasher struct {
	hs map[string]hash.Hash
}

func newHasher(want map[string]string) *hasher {
	h := &hasher{hs: map[string]hash.Hash{"sha256": sha256.New()}}
	for k := range want {
		if nh := newHash(k); nh != nil {
			h.hs[k] = nh
		}
	}
	return h
}

func (h *hasher) Write(p []byte) (int, error) {
	for _, x := range h.hs {
		x.Write(p)
	}
	return len(p), nil
}

func (h *hasher) sum(name string) string { return hex.EncodeToString(h.hs[name].Sum(nil)) }

// verify checks every known hash in want, in a stable order.
func (h *hasher) verify(what string, want map[string]string) error {
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := h.hs[k]; !ok {
			continue
		}
		if got := h.sum(k); got != want[k] {
			return &HashMismatchError{What: what, Algorithm: k, Want: want[k], Got: got}
		}
	}
	return nil
}

func verifyBytes(what string, b []byte, want map[string]string) error {
	h := newHasher(want)
	_, _ = h.Write(b)
	return h.verify(what, want)
}
