package build

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Limits on what an sdist may unpack to.
const (
	maxSdistBytes = 2 << 30 // all members together
	maxPKGINFO    = 16 << 20
)

// archiveKind says how an sdist file name is read.
func archiveKind(name string) (string, error) {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return "tar.gz", nil
	case strings.HasSuffix(lower, ".tar.bz2"):
		return "tar.bz2", nil
	case strings.HasSuffix(lower, ".tar"):
		return "tar", nil
	case strings.HasSuffix(lower, ".zip"):
		return "zip", nil
	case strings.HasSuffix(lower, ".tar.xz"):
		return "", fmt.Errorf("%s: .tar.xz source distributions are not supported (only .tar.gz, .tar.bz2, .tar and .zip)", name)
	}
	return "", fmt.Errorf("%s is not a source distribution (.tar.gz, .tar.bz2, .tar or .zip)", name)
}

// member is one archive entry, read in order.
type member struct {
	name     string
	dir      bool
	symlink  string // link target, for symbolic links
	mode     os.FileMode
	size     int64
	open     func() (io.Reader, error)
	unusable string // why the entry cannot be unpacked ("" when it can)
}

// walkArchive calls fn for each member of the sdist at p.
func walkArchive(p string, fn func(m member) error) error {
	kind, err := archiveKind(p)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if kind == "zip" {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, zf := range zr.File {
			m := member{name: zf.Name, dir: strings.HasSuffix(zf.Name, "/"), mode: zf.Mode(), size: int64(zf.UncompressedSize64)}
			if zf.Mode()&os.ModeSymlink != 0 {
				m.unusable = "a symbolic link"
			}
			m.open = func() (io.Reader, error) { return zf.Open() }
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	}
	var r io.Reader = bufio.NewReaderSize(f, 64<<10)
	switch kind {
	case "tar.gz":
		gz, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		defer gz.Close()
		r = gz
	case "tar.bz2":
		r = bzip2.NewReader(r)
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		m := member{name: h.Name, mode: os.FileMode(h.Mode).Perm(), size: h.Size, open: func() (io.Reader, error) { return tr, nil }}
		switch h.Typeflag {
		case tar.TypeDir:
			m.dir = true
		case tar.TypeReg:
		case tar.TypeSymlink:
			m.symlink = h.Linkname
		case tar.TypeXGlobalHeader:
			continue
		default:
			m.unusable = fmt.Sprintf("a %s entry", tarType(h.Typeflag))
		}
		if err := fn(m); err != nil {
			return err
		}
	}
}

func tarType(t byte) string {
	switch t {
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeFifo:
		return "FIFO"
	}
	return "type " + strconv.Quote(string(t))
}

// cleanMember checks an archive member name: relative, no "..", and
// returns it with "./" and trailing slashes removed.
func cleanMember(name string) (string, error) {
	n := strings.TrimPrefix(strings.TrimSuffix(name, "/"), "./")
	if n == "" || n == "." {
		return "", nil
	}
	if strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || strings.Contains(n, "\x00") {
		return "", fmt.Errorf("member %q is not a relative path", name)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", fmt.Errorf("member %q points outside the archive", name)
		}
	}
	return path.Clean(n), nil
}

// Unpack unpacks the sdist at p into dest (which must exist and be empty)
// and returns the source tree: the archive's one top-level directory.
// Members outside the archive, links leaving it, devices and expansion
// past 2 GiB are refused.
func unpackSdist(p, dest string) (string, error) {
	var total int64
	tops := map[string]bool{}
	err := walkArchive(p, func(m member) error {
		name, err := cleanMember(m.name)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
		if name == "" {
			return nil
		}
		top, _, _ := strings.Cut(name, "/")
		tops[top] = true
		if m.unusable != "" {
			return fmt.Errorf("%s: member %s is %s, which a source distribution may not hold", filepath.Base(p), name, m.unusable)
		}
		target := filepath.Join(dest, filepath.FromSlash(name))
		if m.dir {
			return os.MkdirAll(target, 0o755)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if m.symlink != "" {
			resolved := path.Join(path.Dir(name), m.symlink)
			if path.IsAbs(m.symlink) || resolved == ".." || strings.HasPrefix(resolved, "../") {
				return fmt.Errorf("%s: the link %s -> %s points outside the archive", filepath.Base(p), name, m.symlink)
			}
			return os.Symlink(m.symlink, target)
		}
		r, err := m.open()
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if m.mode&0o111 != 0 {
			mode = 0o755
		}
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
		n, err := io.Copy(f, io.LimitReader(r, maxSdistBytes-total+1))
		total += n
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("unpacking %s: %w", filepath.Base(p), err)
		}
		if total > maxSdistBytes {
			return fmt.Errorf("%s unpacks to more than %d bytes; refusing it", filepath.Base(p), int64(maxSdistBytes))
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(tops) != 1 {
		return "", fmt.Errorf("%s does not hold one top-level directory, as a source distribution must", filepath.Base(p))
	}
	for top := range tops {
		dir := filepath.Join(dest, top)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return "", fmt.Errorf("%s does not hold one top-level directory, as a source distribution must", filepath.Base(p))
		}
		return dir, nil
	}
	panic("unreachable")
}

// readPKGINFO returns the top-level PKG-INFO of the sdist at p.
func readPKGINFO(p string) ([]byte, error) {
	var out []byte
	found := false
	err := walkArchive(p, func(m member) error {
		name, err := cleanMember(m.name)
		if err != nil || found {
			return err
		}
		if parts := strings.Split(name, "/"); len(parts) == 2 && parts[1] == "PKG-INFO" && !m.dir && m.unusable == "" && m.symlink == "" {
			r, err := m.open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(io.LimitReader(r, maxPKGINFO+1))
			if err != nil {
				return err
			}
			if len(b) > maxPKGINFO {
				return fmt.Errorf("%s: PKG-INFO is larger than %d bytes", filepath.Base(p), maxPKGINFO)
			}
			out, found = b, true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%s has no PKG-INFO", filepath.Base(p))
	}
	return out, nil
}

// staticMetadata reports whether PKG-INFO can stand for the built wheel's
// METADATA in resolution: Metadata-Version 2.2 or later (PEP 643) with
// none of the fields resolution reads marked Dynamic.
func staticMetadata(pkgInfo []byte) bool {
	version := ""
	dynamic := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(pkgInfo))
	sc.Buffer(make([]byte, 0, 64<<10), maxPKGINFO)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "metadata-version":
			version = strings.TrimSpace(v)
		case "dynamic":
			dynamic[strings.ToLower(strings.TrimSpace(v))] = true
		}
	}
	major, minor, _ := strings.Cut(version, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil || ma < 2 || (ma == 2 && mi < 2) {
		return false
	}
	return !dynamic["requires-dist"] && !dynamic["requires-python"] && !dynamic["provides-extra"]
}
