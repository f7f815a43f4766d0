package wheel

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// placer puts files from an unpacked wheel into place. It holds the state
// of one install: the fallbacks already taken and a copy buffer.
type placer struct {
	mode LinkMode
	// move renames the source (Install's private unpack directory).
	move       bool
	noReflink  bool
	noHardlink bool
	buf        []byte
}

// tempName is a fresh hidden name next to dst.
func tempName(dst string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".pyshim-"+hex.EncodeToString(b[:]))
}

// place puts src at dst through a temporary name and a rename. e is src's
// RECORD entry; a copy is hashed against it.
func (p *placer) place(src, dst string, e recordEntry) error {
	if p.move {
		err := os.Rename(src, dst)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EXDEV) {
			return err
		}
		return p.copy(src, dst, e)
	}
	if p.mode == Reflink && !p.noReflink {
		if err := p.viaTemp(dst, func(tmp string) error { return reflink(src, tmp) }); err == nil {
			return nil
		}
		p.noReflink = true
	}
	if (p.mode == Reflink || p.mode == Hardlink) && !p.noHardlink {
		// A new name links atomically by itself (the inode is complete):
		// one system call instead of three. An existing file is replaced
		// through a temporary name.
		if err := os.Link(src, dst); err == nil {
			return nil
		}
		if err := p.viaTemp(dst, func(tmp string) error { return os.Link(src, tmp) }); err == nil {
			return nil
		}
		p.noHardlink = true
	}
	return p.copy(src, dst, e)
}

// viaTemp makes a file at a temporary name with mk, then renames it to
// dst. When dst already is a hard link to the same inode, rename succeeds
// and does nothing (POSIX), so the temporary name is removed afterwards.
func (p *placer) viaTemp(dst string, mk func(tmp string) error) error {
	tmp := tempName(dst)
	if err := mk(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	err := os.Rename(tmp, dst)
	os.Remove(tmp)
	return err
}

// copy copies src to dst through a temporary file, verifying the bytes
// against e, and keeps src's permission bits.
func (p *placer) copy(src, dst string, e recordEntry) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	tmp := tempName(dst)
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	v, err := newVerifier(e)
	if err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if p.buf == nil {
		p.buf = make([]byte, 256<<10)
	}
	_, err = io.CopyBuffer(io.MultiWriter(out, v), in, p.buf)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if verr := v.check(); verr != nil {
			err = fmt.Errorf("%v; the unpacked wheel was altered, unpack it again", verr)
		}
	}
	if err == nil {
		err = os.Chmod(tmp, st.Mode().Perm())
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// linkProbe names BestLink's probe file; tempName makes it
// LinkProbePrefix + random hex.
const linkProbe = "link-probe"

// LinkProbePrefix begins the name of the file BestLink creates and removes
// in the destination directory: one left there by a killed process can go.
const LinkProbePrefix = "." + linkProbe + ".pyshim-"

// BestLink returns the first of mode and its fallbacks (Reflink, Hardlink,
// Copy) that works from the wheel Unpack extracted into unpackedDir into
// the directory dstDir, trying each once with one of its files under a
// temporary name that is removed again; mode itself when unpackedDir has
// no file to try. An install of many wheels asks once, instead of every
// placer finding out on its first file (each failed attempt creates and
// removes a file).
func BestLink(mode LinkMode, unpackedDir, dstDir string) LinkMode {
	src := anyMember(unpackedDir)
	if src == "" || mode == Copy {
		return mode
	}
	tmp := tempName(filepath.Join(dstDir, linkProbe))
	defer os.Remove(tmp)
	if mode == Reflink {
		if reflink(src, tmp) == nil {
			return Reflink
		}
		os.Remove(tmp)
		mode = Hardlink
	}
	if os.Link(src, tmp) == nil {
		return Hardlink
	}
	return Copy
}

// anyMember returns a member file of the unpacked wheel in dir; "" when
// there is none.
func anyMember(dir string) string {
	f, err := os.Open(dir)
	if err != nil {
		return ""
	}
	defer f.Close()
	for {
		entries, err := f.ReadDir(16)
		for _, e := range entries {
			if e.Type().IsRegular() && e.Name() != distInfoMarker {
				return filepath.Join(dir, e.Name())
			}
		}
		if err != nil {
			return ""
		}
	}
}
