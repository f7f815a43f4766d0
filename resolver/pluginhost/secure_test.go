package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/resolver"
)

// TestPluginSHA256: a third-party plugin pinned to its sha256 runs; pinned
// to another sum it is refused by name and never started; a refused spec
// (a plugin others may write) is reported and never started. Both runners:
// the exec one carries the pin across to the pyshim-plugins process.
func TestPluginSHA256(t *testing.T) {
	testenv.Require(t, goodPython())
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sum := hex.EncodeToString(h.Sum(nil))
	wrong := strings.Repeat("0", 64)
	for name, r := range runners(t) {
		t.Run(name, func(t *testing.T) {
			quickRaceExit(t)
			host := testHost(t, r)
			state := t.TempDir()
			spec := func(pin, refused string) resolver.PluginSpec {
				return resolver.PluginSpec{Name: "good", Path: self, Args: []string{resolver.BuiltinArg, "good"}, SHA256: pin, Refused: refused}
			}
			req := sdk.DiscoverRequest{Env: map[string]string{"XDG_STATE_HOME": state}}
			pid := filepath.Join(state, "good.pid")

			reps := host.Run(context.Background(), []resolver.PluginSpec{spec(wrong, "")}, req, "")
			if e := reps[0].Err; e == nil || !strings.Contains(e.Error(), "plugins.sha256.good") || !strings.Contains(e.Error(), self) || strings.Contains(e.Error(), "\n") {
				t.Errorf("wrong sha256: %v, want a one-line refusal naming the plugin and its file", e)
			}
			if _, err := os.Stat(pid); err == nil {
				t.Error("a plugin with the wrong sha256 was started")
			}

			reps = host.Run(context.Background(), []resolver.PluginSpec{spec("", "refused: it is writable by others"), spec(sum, "")}, req, "")
			if e := reps[0].Err; e == nil || e.Error() != "refused: it is writable by others" {
				t.Errorf("refused spec: %v", e)
			}
			if reps[1].Err != nil || len(reps[1].Result.Candidates) != 1 {
				t.Errorf("right sha256: err=%v candidates=%v", reps[1].Err, reps[1].Result.Candidates)
			}
		})
	}
}
