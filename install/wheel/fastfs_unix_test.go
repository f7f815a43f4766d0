//go:build unix

package wheel

import (
	"io"
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

// A wheel that shrinks while it is mapped gives an error, not a crash.
func TestMappedWheelTruncated(t *testing.T) {
	whl := demoWheel("1.0").build(t, t.TempDir())
	zr, closeZip, err := openZip(whl)
	if err != nil {
		t.Fatal(err)
	}
	defer closeZip()
	if err := os.Truncate(whl, 0); err != nil {
		t.Fatal(err)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	err = guarded(func() error {
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Errorf("reading a truncated mapped wheel: %v", err)
	}
}
