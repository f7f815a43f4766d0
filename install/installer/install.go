package installer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pyshim/pyshim/install/cache"
	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/resolve"
	"github.com/pyshim/pyshim/install/tags"
	"github.com/pyshim/pyshim/install/wheel"
	"github.com/pyshim/pyshim/internal/writable"
)

// Requirement is one requirement and the hashes its files may have.
type Requirement struct {
	Req *pep508.Requirement
	// Hashes are --hash values as written ("sha256:<hex>").
	Hashes []string
	// Where locates it for messages ("req.txt:3"; "" for the command
	// line).
	Where string
	// DirectURL, for a direct reference to a wheel built from a local
	// source, is the direct_url.json to record instead of the wheel's own
	// archive_info (PEP 610: dir_info, vcs_info, an sdist's archive_info).
	DirectURL []byte
}

// Builder builds wheels from source distributions (PEP 517); see
// install/build.
type Builder interface {
	// SdistMetadata returns the core metadata of the sdist at path, whose
	// sha256 is sum, for installs into t.
	SdistMetadata(ctx context.Context, t *Target, path, sum string) ([]byte, error)
	// BuildSdist returns a wheel built from the sdist at path for t.
	BuildSdist(ctx context.Context, t *Target, path, sum string) (string, error)
}

// Options tune an install.
type Options struct {
	Requirements []Requirement
	// Constraints limit versions without requiring anything (-c).
	Constraints []Requirement
	// Index says where to find wheels.
	Index index.Config
	// Cache is the wheel cache; required.
	Cache *cache.Cache
	// Upgrade prefers the newest versions of the requirements even when
	// installed ones satisfy them.
	Upgrade bool
	// NoDeps installs the requirements without their dependencies.
	NoDeps bool
	// Pre allows pre-releases everywhere.
	Pre bool
	// RequireHashes requires every package to be pinned with == and to
	// have --hash values; any --hash turns this on as well, as with pip.
	RequireHashes bool
	// DryRun resolves and reports without downloading or writing.
	DryRun bool
	// Compile byte-compiles the installed .py files with the target's
	// python (compileall).
	Compile bool
	// Link is how files go from the cache into the target (Reflink falls
	// back to hardlink, then copy, per file).
	Link wheel.LinkMode
	// Progress, when set, is told how far each stage ("download",
	// "install") is.
	Progress func(stage string, done, total int)
	// Waiting, when set, is called when another process holds the
	// target's lock.
	Waiting func(lockPath string)
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// Timeout is the index client's read timeout (index.Options.Timeout;
	// 0: index.DefaultTimeout).
	Timeout time.Duration
	// AllowRedirects are the hosts a redirect may lead to besides the one
	// asked (index.Options.AllowRedirects).
	AllowRedirects []string
	// Parallel bounds concurrent downloads, unpacks and installs (default
	// 8).
	Parallel int
	// Builder, when set, lets source distributions be installed: the
	// resolver may pick one when no compatible wheel of a version exists.
	Builder Builder
	// Formats limits wheels and sdists per project (--only-binary,
	// --no-binary).
	Formats index.Formats
}

// Change is one distribution added to or removed from the target.
type Change struct {
	Name    string // PEP 503 normalised
	Version string
}

func (c Change) String() string { return c.Name + "==" + c.Version }

// Report says what an install did (or, for a dry run, would do).
type Report struct {
	// Resolved is the whole solution, kept packages included.
	Resolved []resolve.Package
	// Added are the distributions installed, Removed the versions they
	// replaced; both sorted by name.
	Added, Removed []Change
	// Fetched counts wheels that were not in the cache yet.
	Fetched int
	// Resolve, Prepare and Install are the times of the stages.
	Resolve, Prepare, Install time.Duration
	// Lock is the lock taken (empty for a dry run).
	Lock string
}

// wheelOptions are the options every wheel of an install into t gets.
func wheelOptions(t *Target, o Options, requested bool, directURL []byte) wheel.Options {
	return wheel.Options{Python: t.Python, PythonVersion: t.PythonVersion, Installer: "pyshim",
		Requested: requested, DirectURL: directURL, Link: o.Link}
}

// planned is one distribution to install.
type planned struct {
	pkg    resolve.Package
	file   index.File
	hashes []string // allowed --hash values; nil: not checked
	tree   string   // the unpacked cache entry
	sum    string   // its sha256
	cached bool     // the tree was there before this install
	// planned is the tree's install plan made while resolving, if any.
	planned *wheel.Planned
	direct  bool // file is a direct URL's: record it in direct_url.json
	// build, for a source distribution, builds its wheel; sdistSum is then
	// the sdist's sha256 (sum is the built wheel's).
	build    func(ctx context.Context, path, sum string) (string, error)
	sdistSum string
}

// Install resolves o.Requirements for t and installs what is missing.
func Install(ctx context.Context, t *Target, o Options) (*Report, error) {
	if o.Cache == nil {
		return nil, errors.New("install: no wheel cache")
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	rep := &Report{}
	hashMode := o.RequireHashes
	for _, r := range o.Requirements {
		if len(r.Hashes) > 0 {
			hashMode = true
		}
	}
	if hashMode {
		if err := checkPinned(o.Requirements); err != nil {
			return nil, err
		}
	}
	if !o.DryRun {
		unlock, err := lock(ctx, t, o.Waiting)
		if err != nil {
			return nil, err
		}
		defer unlock()
		rep.Lock = lockPath(t)
		cleanStaging(t)
	}

	start := time.Now()
	dists, err := List(t)
	if err != nil {
		return nil, err
	}
	installed := map[string]Dist{}
	var inst []resolve.Installed
	for _, d := range dists {
		v, err := pep440.Parse(d.Version)
		if err != nil {
			continue // not a PEP 440 version: as if absent, as pip's resolver treats it
		}
		installed[d.Normalized()] = d
		inst = append(inst, resolve.Installed{Name: d.Normalized(), Version: v, Metadata: &resolve.Metadata{
			RequiresDist: d.Metadata.RequiresDist, RequiresPython: d.Metadata.RequiresPython, ProvidesExtra: d.Metadata.ProvidesExtra,
		}})
	}
	// A real install downloads the chosen wheels anyway: read metadata from
	// them, and start on the likely ones while resolving (not in
	// hash-checking mode, where only the pinned files may be fetched).
	speculate := !o.DryRun && !hashMode
	client, err := newClient(t, o, speculate)
	if err != nil {
		return nil, err
	}
	prov := &resolve.IndexProvider{Client: client}
	if o.Builder != nil {
		prov.SdistMetadata = func(ctx context.Context, f index.File) (*index.Metadata, error) {
			return sdistMetadata(ctx, client, o.Builder, t, f)
		}
	}
	// The look-ahead and the guesses it starts live until Install returns:
	// the downloads they began may be the ones prepare waits for.
	rctx := ctx
	var spec *speculator
	if speculate {
		var stopLooking context.CancelFunc
		rctx, stopLooking = context.WithCancel(ctx)
		requested := map[string]bool{}
		for _, r := range o.Requirements {
			requested[r.Req.NormalizedName()] = true
		}
		spec = newSpeculator(rctx, client, o.Cache, func(name string) bool {
			_, ok := installed[name]
			return ok && !o.Upgrade
		}, func(f index.File, tree string) (*wheel.Planned, error) {
			return wheel.PlanUnpacked(tree, t.Scheme, wheelOptions(t, o, requested[f.Name], nil))
		})
		defer func() {
			stopLooking()
			prov.Wait()
			spec.stop()
		}()
		prov.Likely = spec.start
		prov.LookAhead = t.Info.Markers
	}
	directFiles, directs, err := directRequirements(ctx, client, o.Builder, t, o.Requirements, installed)
	if err != nil {
		return nil, err
	}
	req := resolve.Request{
		Env: t.Info.Markers, Installed: inst, Upgrade: o.Upgrade, Prereleases: o.Pre, NoDeps: o.NoDeps, Direct: directs,
	}
	for _, r := range o.Requirements {
		req.Requirements = append(req.Requirements, r.Req)
	}
	for _, r := range o.Constraints {
		req.Constraints = append(req.Constraints, r.Req)
	}
	res, err := resolve.Resolve(rctx, prov, req)
	if err != nil {
		var ns *resolve.NoSolutionError
		if errors.As(err, &ns) {
			return nil, &UserError{Msg: "no solution: " + ns.Explanation}
		}
		return nil, fmt.Errorf("resolving: %w", err)
	}
	rep.Resolved = res.Packages
	rep.Resolve = time.Since(start)

	allowed := allowedHashes(o.Requirements)
	var plan []*planned
	var missingHash []string
	for _, p := range res.Packages {
		if p.Installed {
			continue
		}
		f, direct := directFiles[p.Name]
		if !direct {
			f, err = prov.File(ctx, p.Name, p.Version)
			if err != nil {
				return nil, fmt.Errorf("choosing the wheel of %s==%s: %w", p.Name, p.Version, err)
			}
		}
		pl := &planned{pkg: p, file: f, direct: direct}
		if f.Sdist {
			if o.Builder == nil {
				return nil, fmt.Errorf("%s==%s: only a source distribution, and no builder", p.Name, p.Version)
			}
			pl.build = func(ctx context.Context, path, sum string) (string, error) {
				return o.Builder.BuildSdist(ctx, t, path, sum)
			}
		}
		if hashMode {
			// A direct URL's own #sha256= is verified when it is
			// downloaded, which is enough, as with pip.
			if pl.hashes = allowed[p.Name]; len(pl.hashes) == 0 && !(direct && len(f.Hashes) > 0) {
				missingHash = append(missingHash, p.Name+"=="+p.Version.String())
			}
		}
		plan = append(plan, pl)
		rep.Added = append(rep.Added, Change{p.Name, p.Version.String()})
		if d, ok := installed[p.Name]; ok {
			rep.Removed = append(rep.Removed, Change{p.Name, d.Version})
		}
	}
	if len(missingHash) > 0 {
		return nil, userErrorf("hashes are required (--require-hashes or --hash), but these have none; pin them with --hash lines: %s", strings.Join(missingHash, ", "))
	}
	if o.DryRun || len(plan) == 0 {
		return rep, nil
	}

	start = time.Now()
	if err := prepare(ctx, client, o, plan, rep, spec); err != nil {
		return nil, err
	}
	rep.Prepare = time.Since(start)

	// Find out once how files can get from the cache into the target.
	o.Link = wheel.BestLink(o.Link, plan[0].tree, t.Scheme.Purelib)
	for _, pl := range plan {
		if pl.planned != nil {
			pl.planned = pl.planned.WithLink(o.Link)
		}
	}
	start = time.Now()
	results, err := installAll(ctx, client, t, o, plan)
	if err != nil {
		return nil, err
	}
	rep.Install = time.Since(start)
	if o.Compile {
		if err := compile(ctx, t, results); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// cleanStaging removes the dist-info staging directories, private unpack
// directories and link probes an install that was killed left behind
// (".NAME-V.dist-info.pyshim-*", ".pyshim-unpack-*",
// ".link-probe.pyshim-*"), and the temporary files of script launchers:
// with the lock held, no other install is using them.
func cleanStaging(t *Target) {
	for _, dir := range []string{t.Scheme.Purelib, t.Scheme.Platlib} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			n := e.Name()
			switch {
			case e.IsDir() && strings.HasPrefix(n, ".") && (strings.Contains(n, ".dist-info.pyshim-") || strings.HasPrefix(n, ".pyshim-unpack-")):
				_ = os.RemoveAll(filepath.Join(dir, n))
			case !e.IsDir() && strings.HasPrefix(n, wheel.LinkProbePrefix):
				_ = os.Remove(filepath.Join(dir, n))
			}
		}
	}
	// Script launchers are written through temporary names in Scripts.
	entries, _ := os.ReadDir(t.Scheme.Scripts)
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, ".") && (strings.Contains(n, ".tmp-") || strings.Contains(n, ".pyshim-")) {
			_ = os.Remove(filepath.Join(t.Scheme.Scripts, n))
		}
	}
}

// newClient makes the index client for t.
func newClient(t *Target, o Options, wholeWheels bool) (*index.Client, error) {
	libc := t.Info.Libc
	facts, err := tags.FromInfo(tags.Info{
		Implementation: t.Info.Implementation, Version: t.Info.VersionString(), FreeThreaded: t.Info.FreeThreaded,
		SOABI: t.Info.SOABI, ExtSuffix: t.Info.ExtSuffix, Platform: t.Info.Platform, Multiarch: t.Info.Multiarch,
		PointerBits: t.Info.PointerBits, Libc: libc,
	})
	if err != nil {
		return nil, fmt.Errorf("the wheel tags %s supports: %w", t.Python, err)
	}
	return index.New(index.Options{
		Config:         o.Index,
		CacheDir:       o.Cache.IndexDir(),
		Supported:      tags.Compatible(facts),
		Python:         t.Info.Markers["python_full_version"],
		Transport:      o.Transport,
		Timeout:        o.Timeout,
		AllowRedirects: o.AllowRedirects,
		UserAgent:      "pyshim",
		WholeWheels:    wholeWheels,
		Sdists:         o.Builder != nil,
		Formats:        o.Formats,
	})
}

// checkPinned refuses, in hash-checking mode, requirements that are not
// pinned to one version with == (or ===) or that have no hashes.
func checkPinned(reqs []Requirement) error {
	for _, r := range reqs {
		where := ""
		if r.Where != "" {
			where = " (" + r.Where + ")"
		}
		if r.Req.URL != "" {
			// A direct URL is one file: pinned; its #sha256= counts as
			// a hash.
			if len(r.Hashes) == 0 && !strings.Contains(r.Req.URL, "sha256=") {
				return userErrorf("in hash-checking mode every requirement needs --hash: %s%s has none (or add #sha256=<hex> to its URL)", r.Req, where)
			}
			continue
		}
		if !pinned(r.Req) {
			return userErrorf("in hash-checking mode every requirement must be pinned with ==: %s%s is not", r.Req, where)
		}
		if len(r.Hashes) == 0 {
			return userErrorf("in hash-checking mode every requirement needs --hash: %s%s has none", r.Req, where)
		}
	}
	return nil
}

func pinned(r *pep508.Requirement) bool {
	s := r.Specifier.String()
	if r.URL != "" || s == "" || strings.Contains(s, ",") {
		return false
	}
	return (strings.HasPrefix(s, "==") && !strings.HasSuffix(s, ".*")) || strings.HasPrefix(s, "===")
}

// allowedHashes collects the --hash values per normalised name.
func allowedHashes(reqs []Requirement) map[string][]string {
	out := map[string][]string{}
	for _, r := range reqs {
		n := r.Req.NormalizedName()
		for _, h := range r.Hashes {
			out[n] = append(out[n], strings.ToLower(h))
		}
	}
	return out
}

// prepare puts every planned wheel's unpacked tree in the cache:
// downloading (in parallel) only what the cache lacks.
func prepare(ctx context.Context, client *index.Client, o Options, plan []*planned, rep *Report, spec *speculator) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Parallel)
	var mu sync.Mutex
	done := 0
	step := func(fetched bool) {
		mu.Lock()
		defer mu.Unlock()
		done++
		if fetched {
			rep.Fetched++
		}
		if o.Progress != nil {
			o.Progress("download", done, len(plan))
		}
	}
	if o.Progress != nil {
		o.Progress("download", 0, len(plan))
	}
	for _, pl := range plan {
		g.Go(func() error {
			if spec != nil {
				if r, ok := spec.result(gctx, pl.file); ok {
					pl.tree, pl.sum, pl.cached, pl.planned = r.tree, r.sum, !r.fetched, r.planned
					step(r.fetched)
					return nil
				}
			}
			fetched, err := prepareOne(gctx, client, o.Cache, pl, true, nil)
			if err != nil {
				return err
			}
			step(fetched)
			return nil
		})
	}
	return g.Wait()
}

// prepareOne finds (when lookup) or makes pl's unpacked tree; fetched says
// whether the cache lacked it.
// gate, when not nil, admits the unpacking (the CPU-bound part).
func prepareOne(ctx context.Context, client *index.Client, c *cache.Cache, pl *planned, lookup bool, gate *sizeGate) (bool, error) {
	published := strings.ToLower(pl.file.Hashes["sha256"])
	if published != "" && lookup && pl.build == nil {
		if tree, ok := c.Lookup(published); ok {
			// The tree was unpacked from content with this sha256.
			if err := checkHashes(pl, map[string]string{"sha256": published}, ""); err == nil {
				pl.tree, pl.sum, pl.cached = tree, published, true
				return false, nil
			}
		}
	}
	path, err := client.Download(ctx, pl.file)
	if err != nil {
		if full := cacheFull(c, err); full != nil {
			return false, full
		}
		return false, fmt.Errorf("downloading %s: %w", pl.file.Filename, err)
	}
	var sums map[string]string
	if published != "" && pl.hashes == nil {
		// Download verified the file against the published sha256.
		sums = map[string]string{"sha256": published}
	} else if sums, err = fileHashes(path, pl.hashes); err != nil {
		return false, err
	}
	if err := checkHashes(pl, sums, path); err != nil {
		return false, err
	}
	if gate != nil {
		var size int64
		if st, err := os.Stat(path); err == nil {
			size = st.Size()
		}
		if err := gate.acquire(ctx, size); err != nil {
			return false, err
		}
		defer gate.release()
	}
	wheelSum := sums["sha256"]
	if pl.build != nil {
		pl.sdistSum = wheelSum
		if path, err = pl.build(ctx, path, wheelSum); err != nil {
			return false, err
		}
		wheelSum = ""
	}
	tree, sum, err := c.Unpack(ctx, path, wheelSum)
	if err != nil {
		if full := cacheFull(c, err); full != nil {
			return false, full
		}
		return false, err
	}
	pl.tree, pl.sum = tree, sum
	return true, nil
}

// cacheFull is the user's error for err when it is the wheel cache's file
// system running out of space (or of inodes, or of quota); nil otherwise.
// Nothing has been written into the target yet when the cache fills up.
func cacheFull(c *cache.Cache, err error) error {
	if !errors.Is(err, syscall.ENOSPC) && !errors.Is(err, syscall.EDQUOT) {
		return nil
	}
	return userErrorf("the wheel cache %s is out of disk space (%v); nothing was installed: free space there, or put the cache on another disk with XDG_CACHE_HOME", c.Dir, unwrapAll(err))
}

// unwrapAll is the innermost error of err's chain (the system call's).
func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// fileHashes computes the sha256 of path and every other algorithm the
// allowed hashes use.
func fileHashes(path string, allowed []string) (map[string]string, error) {
	algs := map[string]func() hash.Hash{"sha256": sha256.New}
	for _, h := range allowed {
		alg, _, _ := strings.Cut(h, ":")
		switch alg {
		case "sha384":
			algs[alg] = sha512.New384
		case "sha512":
			algs[alg] = sha512.New
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hashing %s: %w", path, err)
	}
	defer f.Close()
	hs := map[string]hash.Hash{}
	var ws []io.Writer
	for name, mk := range algs {
		hs[name] = mk()
		ws = append(ws, hs[name])
	}
	if _, err := io.Copy(io.MultiWriter(ws...), f); err != nil {
		return nil, fmt.Errorf("hashing %s: %w", path, err)
	}
	out := map[string]string{}
	for name, h := range hs {
		out[name] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

// checkHashes checks a file's digests against pl's allowed hashes (none
// allowed: nothing to check).
func checkHashes(pl *planned, sums map[string]string, path string) error {
	if pl.hashes == nil {
		return nil
	}
	for _, h := range pl.hashes {
		alg, want, _ := strings.Cut(h, ":")
		if got, ok := sums[alg]; ok && got == want {
			return nil
		}
	}
	if path == "" {
		return errors.New("not verifiable from the published hash")
	}
	return userErrorf("%s (%s==%s) does not match any --hash given for it: its sha256 is %s; check the requirement file, the file may have been tampered with",
		pl.file.Filename, pl.pkg.Name, pl.pkg.Version, sums["sha256"])
}

// installAll links every planned tree into t, in parallel; a tree found
// damaged is evicted, unpacked again and installed once more. Every wheel
// is planned (checked against the target) before the first is installed:
// a wheel refused then leaves the others uninstalled too.
func installAll(ctx context.Context, client *index.Client, t *Target, o Options, plan []*planned) ([]*wheel.Installed, error) {
	directURLs := map[string][]byte{}
	for _, r := range o.Requirements {
		if r.DirectURL != nil {
			directURLs[r.Req.NormalizedName()] = r.DirectURL
		}
	}
	opts := make([]wheel.Options, len(plan))
	plans := make([]*wheel.Planned, len(plan))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Parallel)
	for i, pl := range plan {
		g.Go(func() error {
			var direct []byte
			if pl.direct {
				direct = directURLs[pl.pkg.Name]
				if direct == nil {
					sum := pl.sum
					if pl.sdistSum != "" {
						sum = pl.sdistSum
					}
					direct = archiveDirectURL(pl.file.URL, sum)
				}
			}
			opts[i] = wheelOptions(t, o, pl.pkg.Requested, direct)
			if p := pl.planned; p != nil && direct == nil && p.Options().Requested == opts[i].Requested {
				plans[i] = p // planned while resolving, with these options
				return nil
			}
			p, err := wheel.PlanUnpacked(pl.tree, t.Scheme, opts[i])
			if err != nil && pl.cached && gctx.Err() == nil {
				// A cache entry someone damaged: make it again.
				if eerr := o.Cache.Evict(pl.sum); eerr == nil {
					if _, perr := prepareOne(gctx, client, o.Cache, pl, false, nil); perr == nil {
						pl.cached = false
						p, err = wheel.PlanUnpacked(pl.tree, t.Scheme, opts[i])
					}
				}
			}
			if err != nil {
				return fmt.Errorf("installing %s==%s: %w", pl.pkg.Name, pl.pkg.Version, err)
			}
			plans[i] = p
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(o.Parallel)
	results := make([]*wheel.Installed, len(plan))
	var mu sync.Mutex
	done := 0
	if o.Progress != nil {
		o.Progress("install", 0, len(plan))
	}
	// The largest first, so that the one that takes longest does not
	// start last and finish alone.
	order := make([]int, len(plan))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return plans[b].Files() - plans[a].Files() })
	for _, i := range order {
		pl := plan[i]
		g.Go(func() error {
			in, err := plans[i].Install(gctx)
			if err != nil && pl.cached && gctx.Err() == nil {
				// A cache entry someone damaged: make it again.
				if eerr := o.Cache.Evict(pl.sum); eerr == nil {
					if _, perr := prepareOne(gctx, client, o.Cache, pl, false, nil); perr == nil {
						in, err = wheel.InstallUnpacked(gctx, pl.tree, t.Scheme, opts[i])
					}
				}
			}
			if err != nil {
				return fmt.Errorf("installing %s==%s: %w", pl.pkg.Name, pl.pkg.Version, err)
			}
			results[i] = in
			mu.Lock()
			done++
			if o.Progress != nil {
				o.Progress("install", done, len(plan))
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

// compile byte-compiles the installed .py files with t's python.
func compile(ctx context.Context, t *Target, installed []*wheel.Installed) error {
	var files []string
	for _, in := range installed {
		for _, f := range in.Files {
			if strings.HasSuffix(f, ".py") && (writable.Within(f, t.Scheme.Purelib) || writable.Within(f, t.Scheme.Platlib)) {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		return nil
	}
	sort.Strings(files)
	environ := os.Environ()
	file, argv, env := t.Interp.Command([]string{"-m", "compileall", "-q", "-i", "-"}, environ)
	cmd := exec.CommandContext(ctx, file)
	cmd.Args, cmd.Env, cmd.Dir = argv, env, t.Interp.Chdir
	cmd.Stdin = strings.NewReader(strings.Join(files, "\n") + "\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		// compileall exits 1 when a file has a syntax error (some packages
		// ship such files for other versions); pip ignores those too.
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			return nil
		}
		return fmt.Errorf("compiling the installed files with %s: %w\n%s", t.Python, err, out.Bytes())
	}
	return nil
}

// UninstallOptions tune an uninstall.
type UninstallOptions struct {
	// Waiting, when set, is called when another process holds the lock.
	Waiting func(lockPath string)
}

// Uninstall removes the named distributions from t. Names that are not
// installed are returned in missing.
func Uninstall(ctx context.Context, t *Target, names []string, o UninstallOptions) (removed []*wheel.Installed, missing []string, err error) {
	unlock, err := lock(ctx, t, o.Waiting)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	dists, err := List(t)
	if err != nil {
		return nil, nil, err
	}
	have := map[string]bool{}
	for _, d := range dists {
		have[d.Normalized()] = true
	}
	seen := map[string]bool{}
	for _, n := range names {
		norm := pep508.NormalizeName(n)
		if seen[norm] {
			continue
		}
		seen[norm] = true
		if !have[norm] {
			missing = append(missing, n)
			continue
		}
		in, err := wheel.Uninstall(ctx, t.Scheme, norm)
		if err != nil {
			return removed, missing, fmt.Errorf("uninstalling %s: %w", n, err)
		}
		removed = append(removed, in)
	}
	return removed, missing, nil
}

// DefaultParallel is a good bound of concurrent work on this machine.
func DefaultParallel() int { return max(8, 2*runtime.NumCPU()) }
