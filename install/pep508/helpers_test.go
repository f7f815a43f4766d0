package pep508

import (
	"testing"

	"github.com/pyshim/pyshim/install/pep440"
)

func MustParseSpecifierSet(t *testing.T, s string) pep440.SpecifierSet {
	t.Helper()
	set, err := pep440.ParseSpecifierSet(s)
	if err != nil {
		t.Fatal(err)
	}
	return set
}
