// Package inflate decodes raw DEFLATE streams (RFC 1951) whose decoded
// size is known beforehand, as a zip member's is, from one byte slice into
// another. It exists for speed: compress/flate reads its input a byte at
// a time through an interface and writes through a sliding window, which
// made it a third of the CPU time of a cold `pyshim install`; decoding a
// whole member from memory into its final buffer needs neither.
//
// Decode never reads or writes out of bounds, whatever the input: a
// malformed stream is an error. Callers still verify what they decode
// (zip CRC-32, RECORD hashes); this package only decodes.
package inflate

import (
	"encoding/binary"
	"errors"
)

var (
	// ErrCorrupt is a malformed stream.
	ErrCorrupt = errors.New("inflate: corrupt DEFLATE data")
	// ErrTooLong is a stream that decodes to more bytes than dst holds.
	ErrTooLong = errors.New("inflate: data decodes to more bytes than declared")
)

// Table layout. A decoding table is one []uint32: a primary table indexed
// by the next primaryBits bits of input, then subtables for longer codes.
// An entry is sym<<16 | n for a symbol whose code is n bits long (n > 0);
// a link to a subtable is off<<16 | linkFlag | subBits, the subtable
// being indexed by the subBits bits after the primary ones. A zero entry
// is a code the lengths left unused: meeting one is an error.
const (
	litBits  = 10
	distBits = 8
	clenBits = 7
	linkFlag = 1 << 8
	maxBits  = 15
)

// Decoder holds the tables one Decode builds; reusing a Decoder for many
// streams saves their allocation. The zero value is ready.
type Decoder struct {
	lit, dist, clen     []uint32
	fixedLit, fixedDist []uint32
	lens                [320]uint8
}

// Decode decodes the raw DEFLATE stream in src into dst and returns the
// number of bytes written. It returns ErrTooLong if the stream holds more
// than len(dst) bytes and ErrCorrupt if it is malformed; a stream that
// holds fewer is not an error (the caller compares n with len(dst)).
func (d *Decoder) Decode(dst, src []byte) (n int, err error) {
	br := bitReader{src: src}
	out := 0
	for {
		br.refill()
		final := br.bits&1 != 0
		typ := (br.bits >> 1) & 3
		br.consume(3)
		switch typ {
		case 0:
			if out, err = br.stored(dst, out); err != nil {
				return out, err
			}
		case 1:
			if d.fixedLit == nil {
				d.buildFixed()
			}
			if out, err = decodeBlock(&br, dst, out, d.fixedLit, d.fixedDist); err != nil {
				return out, err
			}
		case 2:
			if err := d.readDynamic(&br); err != nil {
				return out, err
			}
			if out, err = decodeBlock(&br, dst, out, d.lit, d.dist); err != nil {
				return out, err
			}
		default:
			return out, ErrCorrupt
		}
		if br.overrun() {
			return out, ErrCorrupt
		}
		if final {
			return out, nil
		}
	}
}

// bitReader reads bits least significant first. Past the end of src it
// reads zero bytes, counted in pos, so that a peek never fails; overrun
// says whether bits were consumed that src does not hold.
type bitReader struct {
	src   []byte
	pos   int // bytes moved into bits, padding included
	bits  uint64
	nbits uint
}

// refill makes at least 56 bits available.
func (b *bitReader) refill() {
	if b.pos+8 <= len(b.src) {
		b.bits |= binary.LittleEndian.Uint64(b.src[b.pos:]) << b.nbits
		k := (63 - b.nbits) >> 3
		b.pos += int(k)
		b.nbits += k << 3
		return
	}
	for b.nbits <= 56 {
		if b.pos < len(b.src) {
			b.bits |= uint64(b.src[b.pos]) << b.nbits
		}
		b.pos++
		b.nbits += 8
	}
}

func (b *bitReader) consume(n uint) { b.bits >>= n; b.nbits -= n }

// overrun reports whether more bits were consumed than src holds (or a
// runaway stream read far past it).
func (b *bitReader) overrun() bool { return b.pos*8-int(b.nbits) > len(b.src)*8 }

// stored copies a stored block's bytes to dst[out:].
func (b *bitReader) stored(dst []byte, out int) (int, error) {
	b.consume(b.nbits & 7) // to a byte boundary
	b.refill()
	ln := int(b.bits & 0xffff)
	nln := int((b.bits >> 16) & 0xffff)
	b.consume(32)
	if ln != ^nln&0xffff {
		return out, ErrCorrupt
	}
	// The bytes still in the bit buffer come first, then src.
	for ln > 0 && b.nbits >= 8 {
		if out >= len(dst) {
			return out, ErrTooLong
		}
		dst[out] = byte(b.bits)
		out++
		b.consume(8)
		ln--
	}
	if ln == 0 {
		return out, nil
	}
	// The bit buffer is empty: read src directly.
	if b.pos+ln > len(b.src) {
		return out, ErrCorrupt
	}
	if out+ln > len(dst) {
		return out, ErrTooLong
	}
	copy(dst[out:], b.src[b.pos:b.pos+ln])
	b.pos += ln
	b.bits, b.nbits = 0, 0
	return out + ln, nil
}

var (
	lenBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase = [30]uint32{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtr = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// clenOrder is the order of the code length code lengths.
	clenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// lookup decodes one symbol with table t (primary index bits wide); the
// caller has refilled, so at least 56 bits are available.
func lookup(b *bitReader, t []uint32, bits uint) (int, bool) {
	e := t[b.bits&(1<<bits-1)]
	if e&linkFlag != 0 {
		sub := uint(e & 0xff)
		e = t[int(e>>16)+int((b.bits>>bits)&(1<<sub-1))]
	}
	n := uint(e & 0xff)
	if n == 0 {
		return 0, false
	}
	b.consume(n)
	return int(e >> 16), true
}

// decodeBlock decodes one Huffman-coded block into dst[out:]. It keeps
// the bit buffer in locals (what lookup and refill do, written out), which
// the compiler keeps in registers rather than in *b, and refills only when
// fewer bits are left than the next step may take.
func decodeBlock(b *bitReader, dst []byte, out int, lit, dist []uint32) (int, error) {
	bits, nbits, pos, src := b.bits, b.nbits, b.pos, b.src
	done := func(out int, err error) (int, error) {
		b.bits, b.nbits, b.pos = bits, nbits, pos
		return out, err
	}
	for {
		// A literal/length code and its extra bits take at most 20 bits,
		// a distance code and its extra bits 28.
		if nbits < 20 {
			if pos+8 <= len(src) {
				bits |= binary.LittleEndian.Uint64(src[pos:]) << nbits
				k := (63 - nbits) >> 3
				pos += int(k)
				nbits += k << 3
			} else {
				b.bits, b.nbits, b.pos = bits, nbits, pos
				b.refill()
				bits, nbits, pos = b.bits, b.nbits, b.pos
			}
		}
		e := lit[bits&(1<<litBits-1)]
		if e&linkFlag != 0 {
			e = lit[int(e>>16)+int((bits>>litBits)&(1<<(e&0xff)-1))]
		}
		n := uint(e & 0xff)
		if n == 0 {
			return done(out, ErrCorrupt)
		}
		bits >>= n
		nbits -= n
		sym := int(e >> 16)
		if sym < 256 {
			if out >= len(dst) {
				return done(out, ErrTooLong)
			}
			dst[out] = byte(sym)
			out++
			continue
		}
		if sym == 256 {
			return done(out, nil)
		}
		sym -= 257
		if sym >= len(lenBase) {
			return done(out, ErrCorrupt)
		}
		ln := int(lenBase[sym]) + int(bits&(1<<lenExtra[sym]-1))
		bits >>= lenExtra[sym]
		nbits -= uint(lenExtra[sym])
		if nbits < 28 {
			if pos+8 <= len(src) {
				bits |= binary.LittleEndian.Uint64(src[pos:]) << nbits
				k := (63 - nbits) >> 3
				pos += int(k)
				nbits += k << 3
			} else {
				b.bits, b.nbits, b.pos = bits, nbits, pos
				b.refill()
				bits, nbits, pos = b.bits, b.nbits, b.pos
			}
		}
		e = dist[bits&(1<<distBits-1)]
		if e&linkFlag != 0 {
			e = dist[int(e>>16)+int((bits>>distBits)&(1<<(e&0xff)-1))]
		}
		n = uint(e & 0xff)
		ds := int(e >> 16)
		if n == 0 || ds >= len(distBase) {
			return done(out, ErrCorrupt)
		}
		bits >>= n
		nbits -= n
		dd := int(distBase[ds]) + int(bits&(1<<distExtr[ds]-1))
		bits >>= distExtr[ds]
		nbits -= uint(distExtr[ds])
		if dd > out {
			return done(out, ErrCorrupt)
		}
		if ln > len(dst)-out {
			return done(out, ErrTooLong)
		}
		if pos*8-int(nbits) > len(src)*8 {
			return done(out, ErrCorrupt)
		}
		from := out - dd
		if dd >= ln {
			copy(dst[out:out+ln], dst[from:from+ln])
			out += ln
			continue
		}
		// Overlapping: the copied run repeats with period dd; copy what
		// exists, doubling.
		end := out + ln
		for out < end {
			out += copy(dst[out:end], dst[from:out])
		}
	}
}

// readDynamic reads a dynamic block's code lengths and builds d.lit and
// d.dist.
func (d *Decoder) readDynamic(b *bitReader) error {
	b.refill()
	nlit := int(b.bits&31) + 257
	ndist := int((b.bits>>5)&31) + 1
	nclen := int((b.bits>>10)&15) + 4
	b.consume(14)
	if nlit > 286 || ndist > 30 {
		return ErrCorrupt
	}
	var clens [19]uint8
	for i := 0; i < nclen; i++ {
		b.refill()
		clens[clenOrder[i]] = uint8(b.bits & 7)
		b.consume(3)
	}
	var ok bool
	if d.clen, ok = build(d.clen[:0], clens[:], clenBits); !ok {
		return ErrCorrupt
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		b.refill()
		sym, ok := lookup(b, d.clen, clenBits)
		if !ok {
			return ErrCorrupt
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return ErrCorrupt
			}
			val, rep = lens[i-1], 3+int(b.bits&3)
			b.consume(2)
		case 17:
			rep = 3 + int(b.bits&7)
			b.consume(3)
		default:
			rep = 11 + int(b.bits&127)
			b.consume(7)
		}
		if i+rep > len(lens) {
			return ErrCorrupt
		}
		for ; rep > 0; rep-- {
			lens[i] = val
			i++
		}
	}
	if lens[256] == 0 || b.overrun() {
		return ErrCorrupt
	}
	if d.lit, ok = build(d.lit[:0], lens[:nlit], litBits); !ok {
		return ErrCorrupt
	}
	if d.dist, ok = build(d.dist[:0], lens[nlit:], distBits); !ok {
		return ErrCorrupt
	}
	return nil
}

func (d *Decoder) buildFixed() {
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	d.fixedLit, _ = build(nil, lens[:], litBits)
	var dl [30]uint8
	for i := range dl {
		dl[i] = 5
	}
	d.fixedDist, _ = build(nil, dl[:], distBits)
}

// build makes the decoding table of the canonical Huffman code with the
// given code lengths (0: unused) in t's storage, primary index bits wide.
// It refuses over-subscribed lengths; an incomplete code leaves zero
// entries, which decoding refuses when it meets them.
func build(t []uint32, lens []uint8, bits uint) ([]uint32, bool) {
	var count [maxBits + 1]int
	maxLen := 0
	for _, l := range lens {
		count[l]++
		if int(l) > maxLen {
			maxLen = int(l)
		}
	}
	count[0] = 0
	left := 1
	for l := 1; l <= maxBits; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return t, false
		}
	}
	var next [maxBits + 2]int
	for l := 1; l <= maxBits; l++ {
		next[l+1] = (next[l] + count[l]) << 1
	}
	size := 1 << bits
	t = grow(t, size)
	subBits := uint(0)
	if uint(maxLen) > bits {
		subBits = uint(maxLen) - bits
	}
	for sym, l := range lens {
		if l == 0 {
			continue
		}
		code := next[l]
		next[l]++
		rev := reverse(code, uint(l))
		e := uint32(sym)<<16 | uint32(l)
		if uint(l) <= bits {
			for i := rev; i < size; i += 1 << l {
				t[i] = e
			}
			continue
		}
		p := rev & (size - 1)
		if t[p]&linkFlag == 0 {
			off := len(t)
			if off >= 1<<16 {
				return t, false
			}
			t = grow(t, off+1<<subBits)
			t[p] = uint32(off)<<16 | linkFlag | uint32(subBits)
		}
		base := int(t[p] >> 16)
		for i := rev >> bits; i < 1<<subBits; i += 1 << (uint(l) - bits) {
			t[base+i] = e
		}
	}
	return t, true
}

// grow extends t with zero entries to length n.
func grow(t []uint32, n int) []uint32 {
	if cap(t) >= n {
		old := len(t)
		t = t[:n]
		clear(t[old:])
		return t
	}
	u := make([]uint32, n, max(n, 2*cap(t)))
	copy(u, t)
	return u
}

// reverse reverses the low n bits of code.
func reverse(code int, n uint) int {
	r := 0
	for ; n > 0; n-- {
		r = r<<1 | code&1
		code >>= 1
	}
	return r
}
