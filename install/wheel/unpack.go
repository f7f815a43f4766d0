package wheel

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/pyshim/pyshim/internal/fsutil"
)

// maxRecordSize bounds the RECORD read into memory (pip's has 45 kB).
const maxRecordSize = 64 << 20

// Bounds on what a wheel may expand to, so that a zip bomb fills neither
// the disk nor memory. The largest wheels published (CUDA libraries,
// PyTorch) hold single files of about 2 GiB and expand to less than 8
// GiB; the bounds are twice that. Sizes are the ones the archive declares:
// the zip reader refuses a member that inflates to more than its declared
// size (see extractFile), so the bytes actually written are bounded too.
const (
	// MaxMemberSize bounds one member's uncompressed size.
	MaxMemberSize = 4 << 30
	// MaxUnpackedSize bounds the sum of the members' uncompressed sizes.
	MaxUnpackedSize = 16 << 30
	// MaxMetadataSize bounds the dist-info files pyshim reads into
	// memory besides RECORD: METADATA, WHEEL, entry_points.txt (pip's
	// METADATA is 4 kB; the longest on PyPI, with a README, about 1 MiB).
	MaxMetadataSize = 16 << 20
)

// Unpack extracts the wheel at wheelPath into dir, verifying every member
// against RECORD (sha256 or stronger, and size) as it is written, and
// refusing members that could escape dir (absolute paths, "..", symlinks,
// other dist-info or .data directories). It extracts into a temporary
// sibling of dir and renames it into place, so dir is either absent or
// complete. dir is meant to be content-addressed by the caller: when it
// already exists (another process won the race), Unpack leaves it as it is
// and returns nil.
func Unpack(ctx context.Context, wheelPath, dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return fmt.Errorf("unpacking %s: %w", wheelPath, err)
	}
	// What an unpack of this wheel that was killed left goes first.
	prefix := "." + filepath.Base(dir) + ".tmp-"
	fsutil.RemoveStale(parent, func(name string) bool { return strings.HasPrefix(name, prefix) })
	tmp, held, err := fsutil.CreateLocked(parent, func() (string, error) { return os.MkdirTemp(parent, prefix+"*") })
	if err != nil {
		return fmt.Errorf("unpacking %s: %w", wheelPath, err)
	}
	defer held.Release()
	if err := unpackTo(ctx, wheelPath, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Lstat(dir); serr == nil {
			return nil
		}
		return fmt.Errorf("unpacking %s: %w", wheelPath, err)
	}
	return nil
}

// unpackTo extracts wheelPath into the existing empty directory dst. On
// error dst may hold a partial tree; the caller removes it.
func unpackTo(ctx context.Context, wheelPath, dst string) (err error) {
	zr, closeZip, err := openZip(wheelPath)
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // GODEBUG=zipinsecurepath=0; extract refuses such names itself, saying which
	}
	if err != nil {
		return fmt.Errorf("wheel %s: cannot read it as a zip archive (%v); download it again", wheelPath, err)
	}
	defer closeZip()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer faultGuard(&err)
	want := ""
	if fn, err := ParseFilename(filepath.Base(wheelPath)); err == nil {
		want = fn.Normalized()
	}
	if err := os.Chmod(dst, 0o700); err != nil { // the cache is its owner's alone
		return fmt.Errorf("unpacking %s: %w", wheelPath, err)
	}
	if err := extract(ctx, zr, dst, want); err != nil {
		return fmt.Errorf("wheel %s: %w", filepath.Base(wheelPath), err)
	}
	return nil
}

// extract checks every member of zr, then writes the files under dst,
// hashing each against RECORD as it goes.
func extract(ctx context.Context, zr *zip.Reader, dst, want string) error {
	files := map[string]*zip.File{}
	var tops []string
	seenTop := map[string]bool{}
	var total uint64
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, "/")
		if err := checkRelPath(name); err != nil {
			return fmt.Errorf("refusing it: it contains %v; it may be malicious", err)
		}
		mode := f.Mode()
		if mode&fs.ModeSymlink != 0 {
			return fmt.Errorf("refusing it: member %s is a symbolic link, which wheels cannot contain", name)
		}
		if mode.Type()&^fs.ModeDir != 0 {
			return fmt.Errorf("refusing it: member %s is a %v, not a file", name, mode.Type())
		}
		top, _, _ := strings.Cut(name, "/")
		if !seenTop[top] && (strings.Contains(name, "/") || mode.IsDir()) {
			seenTop[top] = true
			tops = append(tops, top)
		}
		if mode.IsDir() || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if _, dup := files[name]; dup {
			return fmt.Errorf("refusing it: member %s appears twice", name)
		}
		if f.UncompressedSize64 > MaxMemberSize {
			return fmt.Errorf("refusing it: member %s declares %d bytes uncompressed, more than the %d bytes pyshim unpacks for one file; it may be a zip bomb", name, f.UncompressedSize64, uint64(MaxMemberSize))
		}
		if total += f.UncompressedSize64; total > MaxUnpackedSize {
			return fmt.Errorf("refusing it: its members declare more than %d bytes uncompressed in all, the limit pyshim unpacks for one wheel; it may be a zip bomb", uint64(MaxUnpackedSize))
		}
		files[name] = f
	}
	for name := range files {
		for d := name; ; {
			i := strings.LastIndexByte(d, '/')
			if i < 0 {
				break
			}
			if d = d[:i]; files[d] != nil {
				return fmt.Errorf("refusing it: member %s is a file, but member %s needs it as a directory", d, name)
			}
		}
	}
	distInfo, err := findDistInfo(tops, want)
	if err != nil {
		return err
	}
	recFile := files[distInfo+"/RECORD"]
	if recFile == nil {
		return fmt.Errorf("it has no %s/RECORD; it is not a valid wheel", distInfo)
	}
	if recFile.UncompressedSize64 > maxRecordSize {
		return fmt.Errorf("its RECORD is %d bytes, more than pyshim reads", recFile.UncompressedSize64)
	}
	rc, err := recFile.Open()
	if err != nil {
		return fmt.Errorf("reading RECORD: %v", err)
	}
	recData, err := io.ReadAll(io.LimitReader(rc, maxRecordSize))
	rc.Close()
	if err != nil {
		return fmt.Errorf("reading RECORD: %v", err)
	}
	rows, err := parseRecord(recData)
	if err != nil {
		return err
	}
	record := make(map[string]recordEntry, len(rows))
	for _, e := range rows {
		record[e.Path] = e
	}
	for _, base := range []string{"METADATA", "WHEEL", "entry_points.txt"} {
		if f := files[distInfo+"/"+base]; f != nil && f.UncompressedSize64 > MaxMetadataSize {
			return fmt.Errorf("refusing it: its %s is %d bytes, more than the %d bytes pyshim reads", base, f.UncompressedSize64, MaxMetadataSize)
		}
	}
	dataDir := strings.TrimSuffix(distInfo, ".dist-info") + ".data"
	for name := range files {
		if err := classifyMember(name, distInfo, dataDir); err != nil {
			return err
		}
		e, listed := record[name]
		rel, inDist := strings.CutPrefix(name, distInfo+"/")
		if inDist && isSignature(rel) {
			continue
		}
		if !listed || e.Hash == "" {
			return fmt.Errorf("refusing it: member %s has no hash in RECORD; rebuild the wheel", name)
		}
		if f := files[name]; e.Size >= 0 && uint64(e.Size) != f.UncompressedSize64 {
			return fmt.Errorf("refusing it: member %s declares %d bytes, RECORD says %d; it is corrupt or was tampered with, download it again", name, f.UncompressedSize64, e.Size)
		}
	}
	for _, e := range rows {
		if files[e.Path] == nil {
			if rel, ok := strings.CutPrefix(e.Path, distInfo+"/"); ok && isSignature(rel) && e.Hash == "" {
				continue
			}
			return fmt.Errorf("RECORD lists %s, which the wheel does not contain; download the wheel again", e.Path)
		}
	}
	// The files, flat (see memberName), by a few workers: on most file
	// systems creating files costs more in system calls than in CPU.
	var todo []*zip.File
	for _, f := range zr.File {
		if files[strings.TrimSuffix(f.Name, "/")] == f {
			todo = append(todo, f)
		}
	}
	err = parallel(ctx, len(todo), func(i int, s *scratch) error {
		f := todo[i]
		name := strings.TrimSuffix(f.Name, "/")
		if err := extractFile(f, MemberPath(dst, name), record[name], s); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, distInfoMarker), []byte(distInfo), 0o644)
}

// An unpacked wheel is flat: one directory holding every member under
// memberName of its path, and the marker file distInfoMarker naming the
// dist-info directory. Making directories is the dearest part of
// unpacking (an inode and a block each), and an unpacked wheel is only
// ever read by its RECORD, never browsed.

// distInfoMarker is the file of an unpacked wheel that names its dist-info
// directory; no member name starts with a backslash.
const distInfoMarker = `\dist-info`

// memberName is the name an unpacked wheel keeps the member at path p
// under: p with each "/" written as a backslash (which member paths cannot
// contain, see checkRelPath), or, beyond a file name's length limit, a
// backslash and a digest of p.
func memberName(p string) string {
	if n := strings.ReplaceAll(p, "/", `\`); len(n) <= 240 {
		return n
	}
	sum := sha256.Sum256([]byte(p))
	return `\#` + hex.EncodeToString(sum[:])
}

// MemberPath is where the wheel unpacked in dir (by Unpack) keeps the
// member at the slash-separated path p.
func MemberPath(dir, p string) string {
	return dir + string(filepath.Separator) + memberName(p)
}

// parallel runs do(0..n-1) on up to GOMAXPROCS (at most 8) goroutines,
// each with its own scratch, and returns the first error; after an
// error or cancellation no new work starts. do may read a mapped wheel
// (see openZip): a fault there is an error.
func parallel(ctx context.Context, n int, do func(i int, s *scratch) error) error {
	workers := min(runtime.GOMAXPROCS(0), 8, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		next     int
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			s := &scratch{buf: make([]byte, 32<<10)}
			for {
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				if err := guarded(func() error { return do(i, s) }); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// classifyMember refuses members outside the wheel's own directories: a
// second dist-info or .data directory, or a .data subdirectory that is not
// one of the install scheme keys.
func classifyMember(name, distInfo, dataDir string) error {
	top, rest, nested := strings.Cut(name, "/")
	switch {
	case !nested:
		return nil
	case top == distInfo:
		return nil
	case top == dataDir:
		key, sub, ok := strings.Cut(rest, "/")
		if !ok || sub == "" {
			return fmt.Errorf("refusing it: member %s is directly in %s, not in one of its scheme directories", name, dataDir)
		}
		switch key {
		case "scripts", "purelib", "platlib", "headers", "data":
			return nil
		}
		return fmt.Errorf("refusing it: member %s is in an unknown scheme directory %q (want scripts, purelib, platlib, headers or data)", name, key)
	case strings.HasSuffix(top, ".dist-info"), strings.HasSuffix(top, ".data"):
		return fmt.Errorf("refusing it: member %s is in %s, which does not belong to this wheel (%s)", name, top, distInfo)
	}
	return nil
}

// extractFile writes one member to target, verifying it against e (the
// RECORD entry; no hash for RECORD and its signatures). Members with any
// executable bit become 0755, others 0644.
func extractFile(f *zip.File, target string, e recordEntry, s *scratch) error {
	perm := os.FileMode(0o644)
	if f.Mode()&0o111 != 0 {
		perm = 0o755
	}
	if data, ok, err := memberInMemory(f, s); err != nil {
		return err
	} else if ok {
		return writeMember(data, target, perm, e)
	}
	buf := s.buf
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := fsutil.CreateNew(target, perm)
	if err != nil {
		return err
	}
	var w io.Writer = out
	var v *verifier
	if e.Hash != "" {
		if v, err = newVerifier(e); err != nil {
			out.Close()
			return err
		}
		w = io.MultiWriter(out, v)
	}
	n, err := io.CopyBuffer(w, rc, buf)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			// The zip reader stops a member at its declared size.
			return fmt.Errorf("it inflates to more than the %d bytes its header declares; the wheel is corrupt or a zip bomb", f.UncompressedSize64)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("it inflates to %d bytes, less than the %d its header declares; the wheel is corrupt, download it again", n, f.UncompressedSize64)
		}
		if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) {
			return fmt.Errorf("corrupt data (%v); download the wheel again", err)
		}
		return err
	}
	if v != nil {
		if err := v.check(); err != nil {
			return fmt.Errorf("refusing the wheel: %v; it is corrupt or was tampered with, download it again", err)
		}
	}
	return nil
}

// openZipFile opens the wheel at path as a zip archive read through the
// file.
func openZipFile(path string) (*zip.Reader, func() error, error) {
	zr, err := zip.OpenReader(path)
	if zr == nil {
		return nil, nil, err
	}
	return &zr.Reader, zr.Close, err
}

// faultGuard, deferred in a goroutine that set debug.SetPanicOnFault,
// turns a fault reading a mapped wheel (the file shrank while it was
// read) into an error; other panics go on.
func faultGuard(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if f, ok := r.(interface{ Addr() uintptr }); ok {
		*err = fmt.Errorf("the wheel file changed while it was read (fault at %#x); download it again", f.Addr())
		return
	}
	panic(r)
}

// guarded runs do, turning a fault into an error (see faultGuard).
func guarded(do func() error) (err error) {
	defer faultGuard(&err)
	return do()
}
