//go:build !linux && !darwin

package venv

// readOnly cannot tell on this system; a write will fail instead.
func readOnly(string) (bool, error) { return false, nil }
