package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pyshim/pyshim/internal/testenv"
)

// The fault tests of issue 11: pyshim install and pyshim venv killed with
// SIGKILL at random points and run again, installs racing each other and
// a full file system. Each kill's delay is drawn from a seeded generator
// whose seed the log prints; PYSHIM_TEST_KILL_SEED replays a run and
// PYSHIM_TEST_KILL_POINTS sets the number of kills (default 50 under CI,
// 10 otherwise).

// benchPackages are bench/install.sh's package set: 50 distributions
// with their dependencies.
var benchPackages = []string{"flask", "requests", "pydantic", "boto3", "jsonschema", "ipython", "sympy", "cryptography"}

// benchWheelhouse repacks pyenv 3.11.7's site-packages into wheels as
// bench/install.sh does (with the shared repack_wheels.py) and serves the
// PEP 503 tree it writes; it returns the index URL.
func benchWheelhouse(t testing.TB) string {
	t.Helper()
	py := testenv.PyenvPython(t, "3.11.7")
	repack, _ := filepath.Abs("../../../shared/tools/repack_wheels.py")
	if _, err := os.Stat(repack); err != nil {
		repack = testenv.Require(t, "/work/shared/tools/repack_wheels.py")
	}
	site := filepath.Join(filepath.Dir(filepath.Dir(py)), "lib", "python3.11", "site-packages")
	wh := filepath.Join(t.TempDir(), "wh")
	start := time.Now()
	if out, err := exec.Command(py, repack, site, wh).CombinedOutput(); err != nil {
		t.Fatalf("repacking %s: %v\n%s", site, err, out)
	}
	t.Logf("repacked %s in %v", site, time.Since(start).Round(time.Millisecond))
	srv := httptest.NewServer(http.FileServer(http.Dir(wh)))
	t.Cleanup(srv.Close)
	return srv.URL + "/simple"
}

// killPoints is how many kills a test makes: PYSHIM_TEST_KILL_POINTS, else
// 50 under CI=true and 10 otherwise (a quicker local run).
func killPoints(t testing.TB) int {
	if s := os.Getenv("PYSHIM_TEST_KILL_POINTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			t.Fatalf("PYSHIM_TEST_KILL_POINTS=%q is not a count", s)
		}
		return n
	}
	if os.Getenv("CI") == "true" {
		return 50
	}
	return 10
}

// killRand is the generator of kill delays, seeded from
// PYSHIM_TEST_KILL_SEED or the clock; the seed is logged.
func killRand(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("PYSHIM_TEST_KILL_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("PYSHIM_TEST_KILL_SEED=%q is not a number", s)
		}
	}
	t.Logf("kill delays from PYSHIM_TEST_KILL_SEED=%d", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// startGroup starts pyshim with args in a process group of its own, so
// that a signal to the group reaches the processes it starts too. Its
// output goes to out; done yields what cmd.Wait returns.
func startGroup(t testing.TB, env []string, args ...string) (cmd *exec.Cmd, out *bytes.Buffer, done <-chan error) {
	t.Helper()
	cmd = exec.Command("pyshim", args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out = new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	return cmd, out, waited
}

// runKilled starts pyshim with args and sends it SIGKILL after delay (if
// it is still running then). It reports whether the kill happened.
func runKilled(t testing.TB, env []string, delay time.Duration, args ...string) bool {
	t.Helper()
	cmd, out, done := startGroup(t, env, args...)
	killed := false
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("pyshim %s failed before the kill: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	case <-time.After(delay):
		// kill -9 of pyshim itself, as a user would; then the rest of
		// its process group, so that no child outlives the test.
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		killed = true
	}
	return killed
}

// timed runs pyshim with args to completion and returns how long it took.
func timed(t testing.TB, env []string, args ...string) time.Duration {
	t.Helper()
	start := time.Now()
	mustPyshim(t, env, args...)
	return time.Since(start)
}

// envWith is env with key set to value.
func envWith(env []string, key, value string) []string {
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
	return append(out, key+"="+value)
}

func xdgValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// venvTreeDigest is testenv.ContentSnapshot of a venv, __pycache__ left
// out: two venvs with equal digests import the same code. A venv that is
// not there has no entries.
func venvTreeDigest(t testing.TB, dir string) map[string]string {
	if _, err := os.Lstat(dir); os.IsNotExist(err) {
		return map[string]string{}
	}
	return testenv.ContentSnapshot(t, dir, func(_ string, d fs.DirEntry) bool { return d.IsDir() && d.Name() == "__pycache__" })
}

// checkRecords checks that every distribution visible in the
// site-packages directory site (every *.dist-info, what pip list shows)
// is whole: each file its RECORD lists exists with RECORD's size and
// hash. It returns the problems found.
func checkRecords(t testing.TB, site string) []string {
	t.Helper()
	infos, _ := filepath.Glob(filepath.Join(site, "*.dist-info"))
	var bad []string
	for _, info := range infos {
		data, err := os.ReadFile(filepath.Join(info, "RECORD"))
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", filepath.Base(info), err))
			continue
		}
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: RECORD: %v", filepath.Base(info), err))
			continue
		}
		for _, row := range rows {
			if len(row) < 3 || row[1] == "" {
				continue // RECORD itself
			}
			p := filepath.Join(site, filepath.FromSlash(row[0]))
			f, err := os.ReadFile(p)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", filepath.Base(info), err))
				continue
			}
			alg, want, _ := strings.Cut(row[1], "=")
			sum := sha256.Sum256(f)
			if alg != "sha256" || base64.RawURLEncoding.EncodeToString(sum[:]) != want || row[2] != strconv.Itoa(len(f)) {
				bad = append(bad, fmt.Sprintf("%s: %s does not match RECORD", filepath.Base(info), row[0]))
			}
		}
	}
	return bad
}

// stray lists pyshim's temporary names (".*pyshim-*", ".*.tmp-*") under
// dir: what a killed process left and a re-run did not clean.
func stray(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		n := e.Name()
		if strings.HasPrefix(n, ".") && (strings.Contains(n, "pyshim-") || strings.Contains(n, ".tmp-") || strings.HasPrefix(n, ".evict-")) {
			out = append(out, p)
			if e.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	return out
}

// fullVenvCheck is the end user's check of an installed venv: every
// top-level module of mods imports, pip check passes and pip list shows
// want.
func fullVenvCheck(t *testing.T, venv string, mods []string, want []string) {
	t.Helper()
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INDEX=1",
		"PYTHONDONTWRITEBYTECODE=1"}
	py := filepath.Join(venv, "bin", "python")
	code := "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\nprint('ok')\n"
	if out := run(t, env, py, append([]string{"-c", code}, mods...)...); strings.TrimSpace(out) != "ok" {
		t.Fatalf("importing %v: %s", mods, out)
	}
	run(t, env, py, "-m", "pip", "check")
	got := strings.Fields(run(t, env, py, "-m", "pip", "list", "--format=freeze"))
	for i := range got {
		n, v, _ := strings.Cut(got[i], "==")
		got[i] = normName(n) + "==" + v
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Fatalf("pip list in %s:\n%v\nwant\n%v", venv, got, want)
	}
}

// topLevelModules are the importable top-level modules the distributions
// in site install (from their top_level.txt, else their RECORD), minus
// those that do not import in a venv installed without faults (ref).
func topLevelModules(t *testing.T, venv string) []string {
	t.Helper()
	code := `import importlib, importlib.metadata as md, sys
site = sys.argv[1]
mods = set()
for d in md.distributions(path=[site]):
    tl = d.read_text("top_level.txt")
    names = tl.split() if tl else []
    if not names:
        for f in d.files or []:
            parts = f.parts
            if parts[0].endswith((".dist-info", ".data")) or parts[0] == ".." or parts[0] == "__pycache__":
                continue
            if len(parts) == 1 and f.suffix in (".py", ".so"):
                names.append(parts[0].split(".")[0])
            elif len(parts) > 1 and parts[1] == "__init__.py":
                names.append(parts[0])
    mods.update(n for n in names if n.isidentifier() and not n.startswith("_"))
for m in sorted(mods):
    try:
        importlib.import_module(m)
    except Exception:
        continue
    print(m)
`
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1"}
	return strings.Fields(run(t, env, filepath.Join(venv, "bin", "python"), "-c", code, sitePackages(t, venv)))
}

// TestInstallKilledAtRandom kills `pyshim install` of bench/install.sh's
// 50 distributions with SIGKILL at random points, a fifth of them with a
// cold cache, and checks after each kill that every distribution pip list
// would show is whole (its RECORD matches the files), and after a re-run
// that the venv is exactly what an uninterrupted install writes (so it
// imports everything and pip check passes, as checked on the reference and
// again at the end) and that nothing was left behind.
func TestInstallKilledAtRandom(t *testing.T) {
	n := killPoints(t)
	if n == 0 {
		t.Skip("PYSHIM_TEST_KILL_POINTS=0")
	}
	index := benchWheelhouse(t)
	env := installEnv(t, "3.11.7")
	work := t.TempDir()
	venv := filepath.Join(work, "v")
	install := append([]string{"install", "-q", "--venv", venv, "-i", index}, benchPackages...)
	fresh := func(env []string) {
		t.Helper()
		if err := os.RemoveAll(venv); err != nil {
			t.Fatal(err)
		}
		mustPyshim(t, env, "venv", "--seed", "-p", "3.11.7", venv)
	}
	cacheN := 0
	coldCache := func() []string {
		cacheN++
		return envWith(env, "XDG_CACHE_HOME", filepath.Join(work, fmt.Sprintf("cache%d", cacheN)))
	}

	// The reference: one uninterrupted install, cold and then warm.
	cold := coldCache()
	fresh(cold)
	tCold := timed(t, cold, install...)
	site := sitePackages(t, venv)
	ref := venvTreeDigest(t, venv)
	want := freezeSet(t, cold, venv)
	if len(want) < 50 {
		t.Fatalf("the reference install has %d distributions, want at least 50: %v", len(want), want)
	}
	mods := topLevelModules(t, venv)
	fullVenvCheck(t, venv, mods, want)
	fresh(cold)
	tWarm := timed(t, cold, install...)
	if d := testenv.DiffSnapshots(ref, venvTreeDigest(t, venv)); len(d) > 0 {
		t.Fatalf("a warm install differs from the cold one:\n%s", strings.Join(d, "\n"))
	}
	t.Logf("%d distributions, %d top-level modules; one install takes %v cold, %v warm", len(want), len(mods),
		tCold.Round(time.Millisecond), tWarm.Round(time.Millisecond))

	r := killRand(t)
	killed := 0
	loop := time.Now()
	for i := 0; i < n; i++ {
		ienv, span, kind := cold, tWarm, "warm"
		if i%5 == 0 {
			ienv, span, kind = coldCache(), tCold, "cold"
		}
		delay := time.Duration(r.Int64N(int64(span)))
		fresh(ienv)
		if runKilled(t, ienv, delay, install...) {
			killed++
		}
		if bad := checkRecords(t, site); len(bad) > 0 {
			t.Fatalf("kill %d (%s cache, after %v): half-installed distributions visible:\n%s", i, kind, delay, strings.Join(bad, "\n"))
		}
		mustPyshim(t, ienv, install...)
		if d := testenv.DiffSnapshots(ref, venvTreeDigest(t, venv)); len(d) > 0 {
			t.Fatalf("kill %d (%s cache, after %v): the re-run's venv differs from an uninterrupted install:\n%s", i, kind, delay, strings.Join(d, "\n"))
		}
		if s := append(stray(venv), stray(filepath.Join(xdgValue(ienv, "XDG_CACHE_HOME"), "pyshim"))...); len(s) > 0 {
			t.Errorf("kill %d (%s cache, after %v): left behind after the re-run: %v", i, kind, delay, s)
		}
	}
	// The end user's check once more, on the last re-run's venv.
	fullVenvCheck(t, venv, mods, want)
	t.Logf("%d kill points, %d killed mid-install (the rest finished first); the kills and re-runs took %v", n, killed, time.Since(loop).Round(time.Second))
}

// TestVenvKilledAtRandom kills `pyshim venv --seed DIR` at random points:
// DIR is then absent or a complete venv, never half-written, and a re-run
// gives a working venv. Half the kills rebuild an existing venv that holds
// an installed package, which must survive.
func TestVenvKilledAtRandom(t *testing.T) {
	n := killPoints(t)
	if n == 0 {
		t.Skip("PYSHIM_TEST_KILL_POINTS=0")
	}
	env := installEnv(t, "3.11.7")
	ti := newTIndex(t, "json", twheel{name: "keepme", version: "1.0", filler: 200})
	work := t.TempDir()
	dir := filepath.Join(work, "v")
	mk := []string{"venv", "--seed", "-p", "3.11.7", dir}

	tNew := timed(t, env, mk...)
	ref := venvTreeDigest(t, dir)
	mustPyshim(t, env, "install", "-q", "--venv", dir, "-i", ti.url(), "keepme")
	withPkg := venvTreeDigest(t, dir)
	tRebuild := timed(t, env, mk...)
	if d := testenv.DiffSnapshots(withPkg, venvTreeDigest(t, dir)); len(d) > 0 {
		t.Fatalf("a rebuild changed the venv:\n%s", strings.Join(d, "\n"))
	}
	t.Logf("pyshim venv --seed takes %v new, %v rebuilding", tNew.Round(time.Millisecond), tRebuild.Round(time.Millisecond))
	// The rebuilt venv is checked against a template of itself.
	tpl := filepath.Join(work, "tpl")
	if out, err := exec.Command("cp", "-a", dir, tpl).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}

	r := killRand(t)
	killed := 0
	for i := 0; i < n; i++ {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		rebuild := i%2 == 1
		want, span := ref, tNew
		if rebuild {
			want, span = withPkg, tRebuild
			if out, err := exec.Command("cp", "-a", tpl, dir).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v\n%s", err, out)
			}
		}
		delay := time.Duration(r.Int64N(int64(span)))
		if runKilled(t, env, delay, mk...) {
			killed++
		}
		got := venvTreeDigest(t, dir)
		if _, err := os.Lstat(dir); err == nil || rebuild {
			if d := testenv.DiffSnapshots(want, got); len(d) > 0 {
				t.Fatalf("kill %d (rebuild %v, after %v): %s is half-written:\n%s", i, rebuild, delay, dir, strings.Join(d, "\n"))
			}
		}
		mustPyshim(t, env, mk...)
		if d := testenv.DiffSnapshots(want, venvTreeDigest(t, dir)); len(d) > 0 {
			t.Fatalf("kill %d (rebuild %v, after %v): the re-run's venv differs:\n%s", i, rebuild, delay, strings.Join(d, "\n"))
		}
		if s := stray(work); len(s) > 0 {
			t.Errorf("kill %d (rebuild %v, after %v): left behind after the re-run: %v", i, rebuild, delay, s)
		}
	}
	// A last rebuild, checked by running it: pip and the kept package import.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", tpl, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	mustPyshim(t, env, mk...)
	if got := pyRun(t, dir, "-c", "import keepme, pip; print(keepme.VERSION)"); got != "1.0\n" {
		t.Errorf("the rebuilt venv: %q", got)
	}
	t.Logf("%d kill points, %d killed mid-venv", n, killed)
}

// TestInstallSharedColdCache runs two installs of the same wheels into two
// venvs at once with one cold cache, several times: both write the same
// cache entries at the same time. Both succeed, both venvs are whole and
// pass pip check, and the cache holds no temporaries afterwards.
func TestInstallSharedColdCache(t *testing.T) {
	wheels := []twheel{{name: "app", version: "1.0", deps: []string{"liba", "libb"}, filler: 300},
		{name: "liba", version: "1.0", filler: 1500}, {name: "libb", version: "1.0", filler: 1500}}
	ti := newTIndex(t, "json", wheels...)
	py := testenv.PyenvPython(t, "3.11.7")
	base := installEnv(t, "3.11.7")
	want := []string{"app==1.0", "liba==1.0", "libb==1.0"}
	for round := range 4 {
		env := envWith(base, "XDG_CACHE_HOME", filepath.Join(t.TempDir(), "cache"))
		venvs := []string{makeTestVenv(t, py, filepath.Join(t.TempDir(), "a"), false), makeTestVenv(t, py, filepath.Join(t.TempDir(), "b"), false)}
		errs := make(chan error, len(venvs))
		for _, v := range venvs {
			go func() {
				out, stderr, err := pyshimRun(env, "", "install", "-q", "--venv", v, "-i", ti.url(), "app")
				if err != nil {
					err = fmt.Errorf("install into %s: %v\n%s%s", v, err, out, stderr)
				}
				errs <- err
			}()
		}
		for range venvs {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		for _, v := range venvs {
			if got := freezeSet(t, env, v); !slices.Equal(got, want) {
				t.Fatalf("round %d: %s has %v", round, v, got)
			}
			if bad := checkRecords(t, sitePackages(t, v)); len(bad) > 0 {
				t.Fatalf("round %d: %s:\n%s", round, v, strings.Join(bad, "\n"))
			}
			pipCheck(t, v)
			if got := pyRun(t, v, "-c", "import app, liba.filler.m01499, libb.filler.m01499 as m; print(m.X)"); got != "1499\n" {
				t.Fatalf("round %d: import in %s: %q", round, v, got)
			}
		}
		if s := stray(filepath.Join(xdgValue(env, "XDG_CACHE_HOME"), "pyshim")); len(s) > 0 {
			t.Errorf("round %d: temporaries left in the cache: %v", round, s)
		}
	}
}

// TestInstallCacheFull installs with the wheel cache on a full file system
// (a 2 MB tmpfs in the tests' private mount namespace): the install fails
// with one line that says the cache's disk is full and where, and the venv
// is unchanged, no half-installed distribution in it.
func TestInstallCacheFull(t *testing.T) {
	if !testenv.InPrivateMountNamespace() {
		if os.Getenv("CI") == "true" {
			t.Fatal("no private mount namespace (needs root and unshare) under CI")
		}
		t.Skip("needs a private mount namespace to mount a small tmpfs (root and unshare)")
	}
	ti := newTIndex(t, "json", twheel{name: "small", version: "1.0"}, twheel{name: "huge", version: "1.0", deps: []string{"small"}, filler: 3000})
	env := installEnv(t, "3.11.7")
	venv := makeTestVenv(t, testenv.PyenvPython(t, "3.11.7"), filepath.Join(t.TempDir(), "v"), false)
	// A first install takes the venv's lock file and fills the cache a bit.
	mustPyshim(t, env, "install", "-q", "--venv", venv, "-i", ti.url(), "small")
	cache := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", cache, "tmpfs", 0, "size=2m"); err != nil {
		t.Fatalf("mounting a tmpfs on %s: %v", cache, err)
	}
	t.Cleanup(func() { syscall.Unmount(cache, syscall.MNT_DETACH) })
	env = envWith(env, "XDG_CACHE_HOME", cache)
	before := treeSnapshot(t, venv)
	out, stderr, err := pyshimRun(env, "", "install", "--venv", venv, "-i", ti.url(), "huge")
	if err == nil {
		t.Fatalf("the install succeeded on a full cache:\n%s%s", out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	t.Logf("stderr:\n%s", stderr)
	if len(lines) != 1 || !strings.Contains(last, "out of disk space") || !strings.Contains(last, cache) || !strings.Contains(last, "XDG_CACHE_HOME") {
		t.Errorf("want one line naming the full disk and the cache %s, got:\n%s", cache, stderr)
	}
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Errorf("a crash:\n%s", stderr)
	}
	if d := diffLines(before, treeSnapshot(t, venv)); len(d) > 0 {
		t.Errorf("the venv changed:\n%s", strings.Join(d, "\n"))
	}
	if bad := checkRecords(t, sitePackages(t, venv)); len(bad) > 0 {
		t.Errorf("half-installed:\n%s", strings.Join(bad, "\n"))
	}
	if got := freezeSet(t, env, venv); !slices.Equal(got, []string{"small==1.0"}) {
		t.Errorf("installed: %v", got)
	}
	// Nothing half-unpacked stays in the cache either.
	if s := stray(cache); len(s) > 0 {
		t.Errorf("temporaries left in the cache: %v", s)
	}
}

// diffLines lists the lines only one of a and b has.
func diffLines(a, b []string) []string {
	var d []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			d = append(d, "- "+l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			d = append(d, "+ "+l)
		}
	}
	return d
}

// TestInstallSameVenvRace starts two installs of overlapping sets into one
// venv at the same moment, several times, cold cache and warm: one waits
// for the other's lock, both succeed, and the venv holds the union, whole,
// pip check passing.
func TestInstallSameVenvRace(t *testing.T) {
	ti := newTIndex(t, "json", twheel{name: "one", version: "1.0", deps: []string{"common"}, filler: 500},
		twheel{name: "two", version: "1.0", deps: []string{"common"}, filler: 500}, twheel{name: "common", version: "1.0", filler: 1000})
	py := testenv.PyenvPython(t, "3.11.7")
	env := installEnv(t, "3.11.7")
	want := []string{"common==1.0", "one==1.0", "two==1.0"}
	for round := range 4 {
		venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v"), false)
		errs := make(chan error, 2)
		for _, pkg := range []string{"one", "two"} {
			go func() {
				out, stderr, err := pyshimRun(env, "", "install", "-q", "--venv", venv, "-i", ti.url(), pkg)
				if err != nil {
					err = fmt.Errorf("install %s: %v\n%s%s", pkg, err, out, stderr)
				}
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if got := freezeSet(t, env, venv); !slices.Equal(got, want) {
			t.Fatalf("round %d: installed %v", round, got)
		}
		if bad := checkRecords(t, sitePackages(t, venv)); len(bad) > 0 {
			t.Fatalf("round %d:\n%s", round, strings.Join(bad, "\n"))
		}
		if s := stray(venv); len(s) > 0 {
			t.Errorf("round %d: left behind: %v", round, s)
		}
		pipCheck(t, venv)
	}
}
