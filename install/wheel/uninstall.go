package wheel

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DistInfoDirs lists the *.dist-info directories (absolute paths, not
// hidden ones) directly inside dirs, each dir read once; a missing dir is
// skipped.
func DistInfoDirs(dirs ...string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, dir := range dirs {
		dir = filepath.Clean(dir)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, e := range entries {
			if e.IsDir() && strings.HasSuffix(e.Name(), ".dist-info") && !strings.HasPrefix(e.Name(), ".") {
				out = append(out, filepath.Join(dir, e.Name()))
			}
		}
	}
	return out, nil
}

// findInstalled lists the dist-info directories (absolute paths) in
// s.Purelib and s.Platlib whose distribution normalizes to name.
func findInstalled(s Scheme, name string) ([]string, error) {
	all, err := DistInfoDirs(s.Purelib, s.Platlib)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, di := range all {
		if n, _, ok := splitDistInfo(filepath.Base(di)); ok && NormalizeName(n) == name {
			out = append(out, di)
		}
	}
	return out, nil
}

// removal is an installed distribution's files, checked and ready to be
// removed.
type removal struct {
	distInfo string   // absolute dist-info directory
	files    []string // absolute, clean; not inside distInfo
	name     string
	version  string
}

// prepareRemoval reads an installed dist-info's RECORD and refuses it
// when it lists a path outside the scheme's directories.
func prepareRemoval(s Scheme, distInfo string) (*removal, error) {
	libDir := filepath.Dir(distInfo)
	r := &removal{distInfo: distInfo}
	r.name, r.version, _ = splitDistInfo(filepath.Base(distInfo))
	if data, err := os.ReadFile(filepath.Join(distInfo, "METADATA")); err == nil {
		h := headerFields(data)
		if h["name"] != "" && h["version"] != "" {
			r.name, r.version = h["name"], h["version"]
		}
	}
	data, err := os.ReadFile(filepath.Join(distInfo, "RECORD"))
	if err != nil {
		return nil, fmt.Errorf("%s has no readable RECORD (%v), so its files are unknown; remove it and its files by hand", distInfo, err)
	}
	rows, err := parseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v; remove it and its files by hand", distInfo, err)
	}
	for _, e := range rows {
		p := filepath.FromSlash(e.Path)
		if strings.ContainsRune(e.Path, 0) {
			return nil, fmt.Errorf("%s/RECORD lists an invalid path %q; remove it by hand", distInfo, e.Path)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(libDir, p)
		}
		p = filepath.Clean(p)
		if ancestorOrSame(distInfo, p) {
			continue
		}
		if !s.contains(p) {
			return nil, fmt.Errorf("%s/RECORD lists %s, outside this environment; pyshim will not remove it: remove the distribution by hand", distInfo, e.Path)
		}
		r.files = append(r.files, p)
	}
	return r, nil
}

// remove removes the files (except those in keep), their compiled
// __pycache__ files, directories left empty, and then the dist-info
// directory (renamed away first, so it vanishes at once). It returns the
// removed files.
func (r *removal) remove(ctx context.Context, s Scheme, keep map[string]bool) ([]string, error) {
	var removed []string
	dirs := map[string]bool{}
	pycache := map[string][]os.DirEntry{}
	rm := func(p string) error {
		st, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if st.IsDir() {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", p, err)
		}
		removed = append(removed, p)
		dirs[filepath.Dir(p)] = true
		return nil
	}
	for _, p := range r.files {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		if !keep[p] {
			if err := rm(p); err != nil {
				return removed, err
			}
		}
		// The compiled files of a removed module go too, and so do those
		// of a module the new version replaced: the interpreter checks a
		// .pyc only by the source's size and mtime in seconds, which a fast
		// upgrade can leave equal.
		if stem, ok := strings.CutSuffix(filepath.Base(p), ".py"); ok {
			cache := filepath.Join(filepath.Dir(p), "__pycache__")
			entries, seen := pycache[cache]
			if !seen {
				entries, _ = os.ReadDir(cache)
				pycache[cache] = entries
			}
			for _, e := range entries {
				n := e.Name()
				if strings.HasPrefix(n, stem+".") && strings.HasSuffix(n, ".pyc") && !strings.Contains(n[len(stem)+1:len(n)-4], ".py") {
					if err := rm(filepath.Join(cache, n)); err != nil {
						return removed, err
					}
				}
			}
		}
	}
	// Prune directories left empty, deepest first, never a scheme root or
	// one of its ancestors.
	roots := s.roots()
	isRoot := func(d string) bool {
		for _, root := range roots {
			if ancestorOrSame(d, root) {
				return true
			}
		}
		return !s.contains(d)
	}
	var list []string
	for d := range dirs {
		list = append(list, d)
	}
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	for _, d := range list {
		for !isRoot(d) && os.Remove(d) == nil {
			d = filepath.Dir(d)
		}
	}
	_ = filepath.WalkDir(r.distInfo, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			removed = append(removed, p)
		}
		return nil
	})
	old := filepath.Join(filepath.Dir(r.distInfo), "."+filepath.Base(r.distInfo)+".pyshim-old")
	os.RemoveAll(old)
	if err := os.Rename(r.distInfo, old); err != nil {
		return removed, fmt.Errorf("removing %s: %w", r.distInfo, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return removed, fmt.Errorf("removing %s: %w", r.distInfo, err)
	}
	return removed, nil
}

// Uninstall removes the distribution name (any spelling; PEP 503
// normalized) from the scheme: the files its RECORD lists and their
// compiled __pycache__ files, directories left empty, then its dist-info.
// A RECORD naming anything outside the scheme's directories is refused
// before anything is removed. It returns what was removed.
func Uninstall(ctx context.Context, s Scheme, name string) (*Installed, error) {
	if err := s.check(false); err != nil {
		return nil, err
	}
	dists, err := findInstalled(s, NormalizeName(name))
	if err != nil {
		return nil, fmt.Errorf("uninstalling %s: %w", name, err)
	}
	if len(dists) == 0 {
		return nil, fmt.Errorf("uninstalling %s: it is not installed in %s", name, s.Purelib)
	}
	var rs []*removal
	for _, d := range dists {
		r, err := prepareRemoval(s, d)
		if err != nil {
			return nil, fmt.Errorf("uninstalling %s: %w", name, err)
		}
		rs = append(rs, r)
	}
	out := &Installed{Name: rs[0].name, Version: rs[0].version, DistInfo: rs[0].distInfo}
	for _, r := range rs {
		files, err := r.remove(ctx, s, nil)
		out.Files = append(out.Files, files...)
		if err != nil {
			return nil, fmt.Errorf("uninstalling %s: %w", name, err)
		}
	}
	sort.Strings(out.Files)
	return out, nil
}
