//go:build !linux && !darwin

package writable

// ReadOnly cannot tell on this system; a write will fail instead.
func ReadOnly(string) (bool, error) { return false, nil }
