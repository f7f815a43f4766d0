//go:build !pyshimlight

package cli

// Unit tests of the package commands' helpers, which a pyshimlight build
// does not link.

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestInstallTimeout checks where the read timeout comes from and what is
// refused.
func TestInstallTimeout(t *testing.T) {
	cases := []struct {
		flagSet bool
		flag    float64
		env     string
		want    time.Duration
		err     string
	}{
		{false, 15, "", 15 * time.Second, ""},
		{false, 15, "2.5", 2500 * time.Millisecond, ""},
		{true, 1, "2.5", time.Second, ""},
		{true, 0.25, "", 250 * time.Millisecond, ""},
		{false, 15, "soon", 0, "PIP_TIMEOUT=soon is not a number of seconds"},
		{false, 15, "-1", 0, "PIP_TIMEOUT -1: the timeout must be a positive number"},
		{true, 0, "", 0, "--timeout 0: the timeout must be a positive number"},
		{true, math.Inf(1), "", 0, "--timeout +Inf"},
	}
	for _, c := range cases {
		got, err := installTimeout(c.flagSet, c.flag, c.env)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("installTimeout(%v, %v, %q) = %v, %v; want %v", c.flagSet, c.flag, c.env, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("installTimeout(%v, %v, %q): err = %v, want %q", c.flagSet, c.flag, c.env, err, c.err)
		}
	}
}

func TestBarLine(t *testing.T) {
	for _, tc := range []struct {
		done, total int
		want        string
	}{
		{0, 50, "Downloading [>         ] 0/50"},
		{25, 50, "Downloading [=====>    ] 25/50"},
		{50, 50, "Downloading [==========] 50/50"},
		{70, 50, "Downloading [==========] 50/50"},
		{0, 0, "Downloading [>         ] 0/1"},
	} {
		if got := barLine("Downloading", tc.done, tc.total, 10); got != tc.want {
			t.Errorf("barLine(%d, %d) = %q, want %q", tc.done, tc.total, got, tc.want)
		}
	}
}
