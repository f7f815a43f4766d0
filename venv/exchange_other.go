//go:build !linux

package venv

// exchange is not atomic here; the caller falls back to two renames.
func exchange(string, string) (bool, error) { return false, nil }
