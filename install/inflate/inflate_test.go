package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// inputs are byte strings of the shapes wheels hold (text, code, binary,
// runs, nothing) and the ones that reach the decoder's edges: every
// length code, distances up to 32 KiB, overlapping copies, stored blocks
// longer than a block.
func inputs(t testing.TB) map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	text := make([]byte, 0, 300<<10)
	words := []string{"import", "def ", "return", " self", "\n    ", "class ", "(", ")", ":", "None", "x", "_", "0123", "\t"}
	for len(text) < 300<<10 {
		text = append(text, words[r.IntN(len(words))]...)
	}
	// Far matches: a block repeated 30 KiB later.
	far := append(append(append([]byte{}, random[:1000]...), random[5000:35000]...), random[:1000]...)
	in := map[string][]byte{
		"empty":  {},
		"one":    {'x'},
		"runs":   bytes.Repeat([]byte{'a'}, 100000),
		"period": bytes.Repeat([]byte("ab"), 50000),
		"random": random,
		"text":   text,
		"far":    far,
	}
	// Real files of this repository: Go source and prose.
	for _, p := range []string{"inflate.go", filepath.Join("..", "wheel", "install.go"), filepath.Join("..", "..", "README.md")} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in[filepath.Base(p)] = b
	}
	return in
}

func deflate(t testing.TB, data []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	// Several flushes make several blocks, stored ones among them.
	for i := 0; i < len(data); i += 70000 {
		w.Write(data[i:min(i+70000, len(data))])
		w.Flush()
	}
	w.Close()
	return buf.Bytes()
}

func TestDecodeMatchesCompressFlate(t *testing.T) {
	var d Decoder // reused: tables of one stream must not leak into the next
	for name, data := range inputs(t) {
		for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, 5, flate.BestCompression} {
			z := deflate(t, data, level)
			dst := make([]byte, len(data))
			n, err := d.Decode(dst, z)
			if err != nil || n != len(data) || !bytes.Equal(dst, data) {
				t.Errorf("%s at level %d: n = %d (want %d), err = %v, equal = %v", name, level, n, len(data), err, bytes.Equal(dst[:n], data))
			}
			if len(data) > 0 {
				if _, err := d.Decode(dst[:len(data)-1], z); !errors.Is(err, ErrTooLong) {
					t.Errorf("%s at level %d into one byte less: err = %v, want ErrTooLong", name, level, err)
				}
			}
		}
	}
}

// Fixed-Huffman blocks: compress/flate writes them for short inputs.
func TestDecodeFixedBlocks(t *testing.T) {
	var d Decoder
	for _, s := range []string{"a", "hello, hello, hello", "x = 1\n"} {
		z := deflate(t, []byte(s), flate.BestCompression)
		if z[0]>>1&3 != 1 {
			t.Logf("%q: first block is type %d, not fixed", s, z[0]>>1&3)
		}
		dst := make([]byte, len(s))
		if n, err := d.Decode(dst, z); err != nil || string(dst[:n]) != s {
			t.Errorf("%q: got %q, %v", s, dst[:n], err)
		}
	}
}

// Truncated and damaged streams are errors (or, where the damage happens
// to decode, some bytes), never a panic or a read out of bounds.
func TestDecodeDamaged(t *testing.T) {
	var d Decoder
	data := inputs(t)["text"][:20000]
	z := deflate(t, data, 6)
	dst := make([]byte, len(data))
	for cut := 0; cut < len(z); cut += 1 + cut/8 {
		if n, err := d.Decode(dst, z[:cut]); err == nil && n == len(data) {
			t.Errorf("cut at %d of %d: decoded it all", cut, len(z))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		b := bytes.Clone(z)
		b[r.IntN(len(b))] ^= byte(1 << r.IntN(8))
		d.Decode(dst, b)
	}
	if _, err := d.Decode(dst, []byte{0x07}); !errors.Is(err, ErrCorrupt) { // block type 3
		t.Errorf("block type 3: err = %v", err)
	}
	if _, err := d.Decode(dst, []byte{0x01, 0x05, 0x00, 0x00, 0x00}); !errors.Is(err, ErrCorrupt) { // stored, LEN != ^NLEN
		t.Errorf("bad stored length: err = %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, data := range inputs(f) {
		f.Add(deflate(f, data[:min(len(data), 3000)], 6), uint16(min(len(data), 3000)))
	}
	f.Fuzz(func(t *testing.T, z []byte, size uint16) {
		var d Decoder
		dst := make([]byte, size)
		n, err := d.Decode(dst, z)
		want, werr := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), int64(size)+1))
		if err == nil && werr == nil && len(want) <= int(size) && !bytes.Equal(dst[:n], want) {
			t.Fatalf("decoded %d bytes unlike compress/flate's %d", n, len(want))
		}
		if werr == nil && len(want) <= int(size) && err != nil {
			t.Fatalf("compress/flate decodes it (%d bytes), Decode says %v", len(want), err)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	data := inputs(b)["install.go"]
	if data == nil {
		b.Fatal("no ../wheel/install.go to compress")
	}
	z := deflate(b, data, 6)
	dst := make([]byte, len(data))
	b.Run("inflate", func(b *testing.B) {
		var d Decoder
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			d.Decode(dst, z)
		}
	})
	b.Run("compress/flate", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		r := flate.NewReader(bytes.NewReader(z))
		for b.Loop() {
			r.(flate.Resetter).Reset(bytes.NewReader(z), nil)
			io.ReadFull(r, dst)
		}
	})
}
