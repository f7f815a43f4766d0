package shim

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkHitPath measures a cache hit's work before the exec: the key
// (environment hash, the project walk from a directory five levels deep)
// and reading, decoding and re-checking an entry of 40 fingerprints.
func BenchmarkHitPath(b *testing.B) {
	root := b.TempDir()
	cwd := filepath.Join(root, "a", "b", "c", "d")
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a", ".python-version"), []byte("3.11\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	environ := append(os.Environ(), "HOME="+root, "XDG_CACHE_HOME="+filepath.Join(root, "cache"))
	getenv := EnvGetter(environ)
	key, project := Key(KeyInputs{Name: "python3", Cwd: cwd, Getenv: getenv})
	var files []Fingerprint
	for _, p := range append(project, "/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin", "/etc/passwd", "/etc/hosts") {
		files = append(files, Fingerprints(p)...)
	}
	for i := len(files); i < 40; i++ {
		files = append(files, Fingerprints(filepath.Join(root, "absent", string(rune('a'+i%26))))...)
	}
	e := &Entry{Key: key, Name: "python3", Final: true,
		Target: Target{File: "/usr/bin/python3", Argv: []string{"/usr/bin/python3"}}, Files: files}
	if err := Write(CacheDir(getenv), e); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		getenv := EnvGetter(environ)
		key, _ := Key(KeyInputs{Name: "python3", Cwd: cwd, Getenv: getenv})
		if _, err := Lookup(CacheDir(getenv), key); err != nil {
			b.Fatal(err)
		}
	}
}
