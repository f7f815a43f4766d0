package wheel

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
)

// rawMember is a member of a wheel written with zip.Writer.CreateRaw: its
// header says what the test wants, whatever the data.
type rawMember struct {
	path   string
	data   []byte // the real contents (RECORD is computed from them)
	method uint16
	// Overrides of the header (0: the true value).
	size  uint64
	crc   uint32
	flipZ int // >0: flip a bit of the compressed data at this offset
}

// buildRaw writes a wheel demo_raw-1.0 holding members, with a RECORD of
// their true hashes (and the sizes their headers declare), into dir.
func buildRaw(t *testing.T, dir string, members []rawMember) string {
	t.Helper()
	di := "demo_raw-1.0.dist-info"
	members = append(members,
		rawMember{path: di + "/METADATA", data: []byte("Metadata-Version: 2.1\nName: demo_raw\nVersion: 1.0\n\n"), method: zip.Deflate},
		rawMember{path: di + "/WHEEL", data: []byte("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"), method: zip.Store})
	var rec strings.Builder
	for _, m := range members {
		// RECORD agrees with the header's size, so that the member gets
		// as far as being decoded.
		size := uint64(len(m.data))
		if m.size != 0 {
			size = m.size
		}
		sum := sha256.Sum256(m.data)
		fmt.Fprintf(&rec, "%s,sha256=%s,%d\n", m.path, encodeDigest(sum[:]), size)
	}
	fmt.Fprintf(&rec, "%s/RECORD,,\n", di)
	members = append(members, rawMember{path: di + "/RECORD", data: []byte(rec.String()), method: zip.Deflate})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		z := m.data
		if m.method == zip.Deflate {
			var zb bytes.Buffer
			fw, _ := flate.NewWriter(&zb, 6)
			fw.Write(m.data)
			fw.Close()
			z = zb.Bytes()
		}
		if m.flipZ > 0 {
			z = bytes.Clone(z)
			z[m.flipZ%len(z)] ^= 0x10
		}
		h := &zip.FileHeader{Name: m.path, Method: m.method, CRC32: crc32.ChecksumIEEE(m.data),
			CompressedSize64: uint64(len(z)), UncompressedSize64: uint64(len(m.data))}
		if m.size != 0 {
			h.UncompressedSize64 = m.size
		}
		if m.crc != 0 {
			h.CRC32 = m.crc
		}
		h.SetMode(0o644)
		w, err := zw.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(z)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "demo_raw-1.0-py3-none-any.whl")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func randomText(n int) []byte {
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"def ", "return ", "self", "\n", "    ", "import ", "x", "(", ")", "0", "1"}
	var b []byte
	for len(b) < n {
		b = append(b, words[r.IntN(len(words))]...)
	}
	return b[:n]
}

// Unpack decodes members of a mapped wheel in memory (package inflate);
// archive/zip's streaming path, taken for members it cannot map, must
// give the same files.
func TestUnpackInMemoryMatchesStreaming(t *testing.T) {
	tmp := t.TempDir()
	whl := buildRaw(t, tmp, []rawMember{
		{path: "demo_raw/__init__.py", data: []byte("X = 1\n"), method: zip.Deflate},
		{path: "demo_raw/stored.txt", data: []byte("stored as is\n"), method: zip.Store},
		{path: "demo_raw/big.py", data: randomText(300 << 10), method: zip.Deflate},
		{path: "demo_raw/empty.py", data: nil, method: zip.Deflate},
	})
	ctx := context.Background()
	mem := filepath.Join(tmp, "mem")
	if err := Unpack(ctx, whl, mem); err != nil {
		t.Fatal(err)
	}
	// The mapped wheel's members are read in memory...
	zr, closeZip, err := openZip(whl)
	if err != nil {
		t.Fatal(err)
	}
	defer closeZip()
	var s scratch
	for _, f := range zr.File {
		if _, ok, err := memberInMemory(f, &s); !ok || err != nil {
			t.Errorf("%s of the mapped wheel: in memory = %v, err = %v", f.Name, ok, err)
		}
	}
	// ...and those of a wheel read through the file are streamed.
	fz, err := zip.OpenReader(whl)
	if err != nil {
		t.Fatal(err)
	}
	defer fz.Close()
	if _, ok, _ := memberInMemory(fz.File[0], &s); ok {
		t.Errorf("a member of a file-backed archive was read in memory")
	}
	streamed := filepath.Join(tmp, "streamed")
	os.Mkdir(streamed, 0o700) // as Unpack makes its root: the cache is private
	if err := extract(ctx, &fz.Reader, streamed, "demo-raw"); err != nil {
		t.Fatal(err)
	}
	a, b := testenv.ContentSnapshot(t, mem, nil), testenv.ContentSnapshot(t, streamed, nil)
	if d := testenv.DiffSnapshots(a, b); len(d) > 0 {
		t.Errorf("in-memory and streamed unpacks differ:\n%s", strings.Join(d, "\n"))
	}
	if len(a) < 6 {
		t.Errorf("unpacked %d entries, want the wheel's 7 files", len(a))
	}
}

// A member whose data does not match its header is refused with a message
// saying what is wrong, and nothing is left in the cache.
func TestUnpackInMemoryRefusesDamaged(t *testing.T) {
	body := randomText(100 << 10)
	for _, tc := range []struct {
		name string
		m    rawMember
		want string
	}{
		{"declared larger", rawMember{data: body, method: zip.Deflate, size: uint64(len(body)) + 10}, "less than the"},
		{"declared smaller", rawMember{data: body, method: zip.Deflate, size: uint64(len(body)) - 10}, "more than the"},
		{"stored size", rawMember{data: body, method: zip.Store, size: uint64(len(body)) + 1}, "corrupt data"},
		{"crc", rawMember{data: body, method: zip.Deflate, crc: 12345}, "corrupt data"},
		{"bit flipped", rawMember{data: body, method: zip.Deflate, flipZ: 5000}, "download"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			tc.m.path = "demo_raw/mod.py"
			whl := buildRaw(t, tmp, []rawMember{tc.m})
			dir := filepath.Join(tmp, "cache", "entry")
			err := Unpack(context.Background(), whl, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) > 0 {
				t.Errorf("a refused unpack left %d entries in the cache", len(entries))
			}
		})
	}
}
