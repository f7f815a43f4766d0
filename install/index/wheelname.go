package index

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/tags"
)

// wheelName is the part of a wheel file name the index needs. It is a
// small local parser so that this package does not wait on install/wheel;
// wheel.ParseFilename is the full one and can replace it.
type wheelName struct {
	name    string
	version pep440.Version
	build   buildTag
	tags    []tags.Tag
}

// buildTag is an optional build tag: a number and a string suffix.
type buildTag struct {
	set bool
	num int
	str string
}

// compare orders build tags; no tag sorts first, as in pip.
func (b buildTag) compare(o buildTag) int {
	switch {
	case b.set != o.set:
		if b.set {
			return 1
		}
		return -1
	case b.num != o.num:
		if b.num < o.num {
			return -1
		}
		return 1
	}
	return strings.Compare(b.str, o.str)
}

func parseWheelName(fn string) (wheelName, error) {
	stem, ok := strings.CutSuffix(fn, ".whl")
	if !ok {
		return wheelName{}, fmt.Errorf("invalid wheel file name %q: no .whl suffix", fn)
	}
	parts := strings.Split(stem, "-")
	if len(parts) != 5 && len(parts) != 6 {
		return wheelName{}, fmt.Errorf("invalid wheel file name %q: %d dash-separated parts, not 5 or 6", fn, len(parts))
	}
	var w wheelName
	w.name = parts[0]
	v, err := pep440.Parse(parts[1])
	if err != nil || w.name == "" {
		return wheelName{}, fmt.Errorf("invalid wheel file name %q: bad name or version", fn)
	}
	w.version = v
	if len(parts) == 6 {
		b := parts[2]
		j := 0
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == 0 {
			return wheelName{}, fmt.Errorf("invalid wheel file name %q: build tag %q does not start with a digit", fn, b)
		}
		n, err := strconv.Atoi(b[:j])
		if err != nil {
			return wheelName{}, fmt.Errorf("invalid wheel file name %q: build tag %q: %w", fn, b, err)
		}
		w.build = buildTag{set: true, num: n, str: b[j:]}
	}
	n := len(parts)
	ts, err := tags.ParseTagSet(parts[n-3] + "-" + parts[n-2] + "-" + parts[n-1])
	if err != nil {
		return wheelName{}, fmt.Errorf("invalid wheel file name %q: %w", fn, err)
	}
	w.tags = ts
	return w, nil
}
