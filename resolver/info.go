package resolver

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pyshim/pyshim/internal/fsutil"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

//go:embed info.py
var infoScript string

// Info is what the interpreter-info query reports about an interpreter,
// run exactly as it will be run (exe, argv0, env operations).
type Info struct {
	VersionInfo           []any             `json:"version_info"`
	Implementation        string            `json:"implementation"`
	ImplementationVersion string            `json:"implementation_version"`
	Executable            string            `json:"executable"`
	BaseExecutable        string            `json:"base_executable"`
	Prefix                string            `json:"prefix"`
	ExecPrefix            string            `json:"exec_prefix"`
	BasePrefix            string            `json:"base_prefix"`
	BaseExecPrefix        string            `json:"base_exec_prefix"`
	FreeThreaded          bool              `json:"free_threaded"`
	VenvScheme            string            `json:"venv_scheme"`
	VenvPaths             map[string]string `json:"venv_paths"`
	SitePackages          []string          `json:"site_packages"`
	SysPath               []string          `json:"sys_path"`
	Platform              string            `json:"platform"`
	SOABI                 string            `json:"soabi"`
	ExtSuffix             string            `json:"ext_suffix"`
	Multiarch             string            `json:"multiarch"`
	PointerBits           int               `json:"pointer_bits"`
	Libc                  []string          `json:"libc"`
	Markers               map[string]string `json:"markers"`
}

// VersionString is the version as pyshim writes it: "3.12.1", "3.13.0rc1",
// with a "t" for free-threaded builds.
func (i *Info) VersionString() string {
	if len(i.VersionInfo) < 5 {
		return ""
	}
	num := func(x any) int {
		f, _ := x.(float64)
		return int(f)
	}
	s := fmt.Sprintf("%d.%d.%d", num(i.VersionInfo[0]), num(i.VersionInfo[1]), num(i.VersionInfo[2]))
	level, _ := i.VersionInfo[3].(string)
	switch level {
	case "alpha":
		s += fmt.Sprintf("a%d", num(i.VersionInfo[4]))
	case "beta":
		s += fmt.Sprintf("b%d", num(i.VersionInfo[4]))
	case "candidate":
		s += fmt.Sprintf("rc%d", num(i.VersionInfo[4]))
	}
	if i.FreeThreaded {
		s += "t"
	}
	return s
}

// InfoCache runs the interpreter-info query and keeps its answers on disk,
// keyed by the file (path, device, inode, size, mtime) and by the argv[0],
// flags and environment operations it runs with: an era-B Nix env and its
// base run the same binary yet report different prefixes.
type InfoCache struct {
	// Dir holds the entries; empty disables the disk cache.
	Dir string
}

// NewInfoCache returns a cache under cacheDir/info.
func NewInfoCache(cacheDir string) *InfoCache {
	return &InfoCache{Dir: filepath.Join(cacheDir, "info")}
}

// Key is the cache key of running in, or an error when its exe is gone.
func (c *InfoCache) Key(in *interp.Interpreter) (string, error) {
	st, err := os.Stat(in.Exe)
	if err != nil {
		return "", fmt.Errorf("interpreter %s: %w", in.Exe, err)
	}
	sys, _ := st.Sys().(*syscall.Stat_t)
	var dev, ino uint64
	if sys != nil {
		dev, ino = uint64(sys.Dev), sys.Ino
	}
	ops, _ := json.Marshal(struct {
		Env  []interp.EnvOp
		Args []string
		Dir  string
	}{in.Env, in.Args, in.Chdir})
	h := sha256.New()
	fmt.Fprintf(h, "v1\x00%s\x00%d\x00%d\x00%d\x00%d\x00%s\x00%s", in.Exe, dev, ino, st.Size(), st.ModTime().UnixNano(), in.Argv0, ops)
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// Query returns the info for in, from the cache when it holds a valid
// entry, else by running the interpreter (and caching the answer). A
// corrupt entry is ignored.
func (c *InfoCache) Query(ctx context.Context, in *interp.Interpreter) (*Info, error) {
	key, err := c.Key(in)
	if err != nil {
		return nil, err
	}
	var path string
	if c != nil && c.Dir != "" {
		path = filepath.Join(c.Dir, key+".json")
		if data, err := fsutil.ReadFileOwned(path); err == nil {
			var info Info
			if json.Unmarshal(data, &info) == nil && info.VersionString() != "" {
				return &info, nil
			}
		}
	}
	info, raw, err := runQuery(ctx, in)
	if err != nil {
		return nil, err
	}
	if path != "" {
		// A cache we cannot write costs speed, not correctness.
		_ = fsutil.WriteFilePrivate(path, raw)
	}
	return info, nil
}

// runQuery runs the info script with in's exe, argv0 and environment.
// -E and -s keep the user's PYTHON* variables and user site out of the
// answer; site (and so a Nix sitecustomize) still runs, as it will when
// the interpreter is used.
func runQuery(ctx context.Context, in *interp.Interpreter) (*Info, []byte, error) {
	var environ []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYTHON") {
			environ = append(environ, kv)
		}
	}
	file, argv, env := in.Command([]string{"-E", "-s", "-c", infoScript}, environ)
	cmd := exec.CommandContext(ctx, file)
	cmd.Args, cmd.Env, cmd.Dir = argv, env, in.Chdir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		return nil, nil, fmt.Errorf("querying %s: %v %s", in.Path, err, msg)
	}
	// A sitecustomize may print; the JSON is the last line.
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	raw := lines[len(lines)-1]
	var info Info
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, nil, fmt.Errorf("querying %s: unreadable answer: %w", in.Path, err)
	}
	return &info, raw, nil
}
