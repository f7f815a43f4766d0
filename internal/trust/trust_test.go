package trust

import (
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
