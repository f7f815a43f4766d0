package wheel

import (
	"archive/zip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/pyshim/pyshim/install/inflate"
	"github.com/pyshim/pyshim/internal/fsutil"
)

// scratch is what one unpacking goroutine reuses from member to member.
type scratch struct {
	buf []byte          // copy buffer of the streaming path
	out []byte          // a whole member, decoded
	dec inflate.Decoder // its tables
}

// maxInMemory bounds the members decoded whole in memory; larger ones
// stream through archive/zip.
const maxInMemory = 64 << 20

// mappedData is a wheel mapped into memory (see openZip), the io.ReaderAt
// its zip.Reader reads: memberInMemory finds a member's bytes in it.
type mappedData []byte

func (m mappedData) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m)) {
		return 0, fmt.Errorf("reading at %d of a %d-byte wheel: out of range", off, len(m))
	}
	n := copy(p, m[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// memberInMemory returns the contents of member f, when its wheel is
// mapped and f is stored or deflated and at most maxInMemory bytes:
// stored members are the mapping itself, deflated ones are decoded whole
// into s.out by package inflate (no window, no byte-at-a-time reads). It
// checks the sizes and the CRC-32 as archive/zip does. ok false: read f
// through archive/zip instead.
func memberInMemory(f *zip.File, s *scratch) (data []byte, ok bool, err error) {
	if f.UncompressedSize64 > maxInMemory || (f.Method != zip.Store && f.Method != zip.Deflate) {
		return nil, false, nil
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, false, nil
	}
	sr, isSection := raw.(*io.SectionReader)
	if !isSection {
		return nil, false, nil
	}
	ra, off, n := sr.Outer()
	m, mapped := ra.(mappedData)
	if !mapped || off < 0 || n < 0 || off > int64(len(m))-n {
		return nil, false, nil
	}
	src := m[off : off+n]
	size := int(f.UncompressedSize64)
	if f.Method == zip.Store {
		if len(src) != size {
			return nil, true, fmt.Errorf("corrupt data (stored as %d bytes, its header declares %d); download the wheel again", len(src), size)
		}
		data = src
	} else {
		if cap(s.out) < size {
			// Grown by doubling: each new buffer is fresh pages to fault in.
			s.out = make([]byte, max(size, 2*cap(s.out), 256<<10))
		}
		data = s.out[:size]
		got, err := s.dec.Decode(data, src)
		switch {
		case errors.Is(err, inflate.ErrTooLong):
			return nil, true, fmt.Errorf("it inflates to more than the %d bytes its header declares; the wheel is corrupt or a zip bomb", size)
		case err != nil:
			return nil, true, fmt.Errorf("corrupt data (%v); download the wheel again", err)
		case got != size:
			return nil, true, fmt.Errorf("it inflates to %d bytes, less than the %d its header declares; the wheel is corrupt, download it again", got, size)
		}
	}
	if f.CRC32 != 0 && crc32.ChecksumIEEE(data) != f.CRC32 {
		return nil, true, fmt.Errorf("corrupt data (%v); download the wheel again", zip.ErrChecksum)
	}
	return data, true, nil
}

// writeMember verifies data against e (no hash: RECORD and its
// signatures), then writes it to the new file target.
func writeMember(data []byte, target string, perm os.FileMode, e recordEntry) error {
	if e.Hash != "" {
		v, err := newVerifier(e)
		if err != nil {
			return err
		}
		v.Write(data)
		if err := v.check(); err != nil {
			return fmt.Errorf("refusing the wheel: %v; it is corrupt or was tampered with, download it again", err)
		}
	}
	return fsutil.WriteNew(target, data, perm)
}
