package trust

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAddAndCheck(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
	proj := filepath.Join(t.TempDir(), "proj")
	if Checker(env)(filepath.Join(proj, ".venv")) {
		t.Fatal("trusted before Add")
	}
	for i := 0; i < 2; i++ {
		if err := Add(env, proj); err != nil {
			t.Fatal(err)
		}
	}
	if got := List(env); len(got) != 1 || got[0] != proj {
		t.Fatalf("List = %v", got)
	}
	check := Checker(env)
	if !check(filepath.Join(proj, ".venv")) || !check(proj) {
		t.Error("project .venv not trusted after Add(project)")
	}
	if check(filepath.Join(proj, "sub", ".venv")) {
		t.Error("a nested .venv is trusted too")
	}
}

// TestSymlinkedVenvTrustIsTheTargets: a .venv that is a symlink is trusted
// by its target's trust, not by its directory's, and pointing the link
// elsewhere makes it untrusted again.
func TestSymlinkedVenvTrustIsTheTargets(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
	proj := t.TempDir()
	target := filepath.Join(t.TempDir(), "venv")
	other := filepath.Join(t.TempDir(), "venv")
	for _, d := range []string{target, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(proj, ".venv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Add(env, proj); err != nil {
		t.Fatal(err)
	}
	if Checker(env)(link) {
		t.Error("trusting the link's directory trusts the link's target")
	}
	if err := Add(env, target); err != nil {
		t.Fatal(err)
	}
	if !Checker(env)(link) {
		t.Error("trusting the target does not trust the link")
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	if Checker(env)(link) {
		t.Error("the link, pointed elsewhere, is still trusted")
	}
	// Trusting through the link records the target.
	if err := Add(env, link); err != nil {
		t.Fatal(err)
	}
	if got := List(env); got[len(got)-1] != other {
		t.Errorf("Add(link) recorded %s, want the target %s", got[len(got)-1], other)
	}
}

// TestTrustFileIsPrivate: the list is 0600 in a 0700 directory, and
// another user's list trusts nothing.
func TestTrustFileIsPrivate(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
	proj := t.TempDir()
	if err := Add(env, proj); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{File(env): 0o600, filepath.Dir(File(env)): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown the list to another user")
	}
	if err := os.Chown(File(env), 12345, 12345); err != nil {
		t.Fatal(err)
	}
	if Checker(env)(filepath.Join(proj, ".venv")) {
		t.Error("another user's trust list is used")
	}
}
