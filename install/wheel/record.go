package wheel

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// recordEntry is one RECORD row: a path relative to the wheel root (or,
// once installed, to the lib dir), "algo=urlsafe-b64-digest" and a size.
type recordEntry struct {
	Path string
	Hash string // "" when the row has none (RECORD itself, signatures)
	Size int64  // -1 when the row has none
}

// parseRecord reads a RECORD file (CSV, PEP 376). Rows naming the same
// path twice must agree.
func parseRecord(data []byte) ([]recordEntry, error) {
	lines := bytes.Count(data, []byte{'\n'}) + 1 // about as many rows
	out := make([]recordEntry, 0, lines)
	seen := make(map[string]int, lines)
	err := recordRows(data, func(row []string) error {
		if len(row) == 0 || (len(row) == 1 && row[0] == "") {
			return nil
		}
		e := recordEntry{Path: row[0], Size: -1}
		if len(row) > 1 {
			e.Hash = row[1]
		}
		if len(row) > 2 && row[2] != "" {
			n, err := strconv.ParseInt(row[2], 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("RECORD row for %q has an invalid size %q", e.Path, row[2])
			}
			e.Size = n
		}
		if i, ok := seen[e.Path]; ok {
			if out[i] != e {
				return fmt.Errorf("RECORD lists %q twice with different hashes or sizes", e.Path)
			}
			return nil
		}
		seen[e.Path] = len(out)
		out = append(out, e)
		return nil
	})
	return out, err
}

// recordRows calls row for each CSV row of data. A RECORD without quotes
// or carriage returns (nearly all are) is split by hand, which reads it
// exactly as encoding/csv does, in a fraction of the time; row's slice is
// reused between calls.
func recordRows(data []byte, row func([]string) error) error {
	if bytes.IndexByte(data, '"') < 0 && bytes.IndexByte(data, '\r') < 0 {
		// One copy of the whole file; the fields are slices of it.
		text := string(data)
		var fields []string
		for len(text) > 0 {
			line := text
			if i := strings.IndexByte(text, '\n'); i >= 0 {
				line, text = text[:i], text[i+1:]
			} else {
				text = ""
			}
			if len(line) == 0 {
				continue // encoding/csv skips empty lines
			}
			fields = fields[:0]
			for {
				i := strings.IndexByte(line, ',')
				if i < 0 {
					fields = append(fields, line)
					break
				}
				fields = append(fields, line[:i])
				line = line[i+1:]
			}
			if err := row(fields); err != nil {
				return err
			}
		}
		return nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	for {
		fields, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("RECORD is not valid CSV: %v", err)
		}
		if err := row(fields); err != nil {
			return err
		}
	}
}

// formatRecord writes rows sorted by path, as CSV with \n line ends, byte
// for byte as encoding/csv writes them: a field is quoted only when it
// holds a comma, quote or line break, starts with a space, or is \.
func formatRecord(rows []recordEntry) []byte {
	slices.SortFunc(rows, func(a, b recordEntry) int { return strings.Compare(a.Path, b.Path) })
	n := 0
	for _, e := range rows {
		n += len(e.Path) + len(e.Hash) + 24
	}
	buf := make([]byte, 0, n)
	for _, e := range rows {
		buf = appendField(buf, e.Path)
		buf = append(buf, ',')
		buf = appendField(buf, e.Hash)
		buf = append(buf, ',')
		if e.Size >= 0 {
			buf = strconv.AppendInt(buf, e.Size, 10)
		}
		buf = append(buf, '\n')
	}
	return buf
}

// appendField appends one CSV field, quoted where encoding/csv would
// quote it.
func appendField(buf []byte, f string) []byte {
	if !fieldNeedsQuotes(f) {
		return append(buf, f...)
	}
	buf = append(buf, '"')
	for {
		i := strings.IndexByte(f, '"')
		if i < 0 {
			break
		}
		buf = append(buf, f[:i+1]...)
		buf = append(buf, '"')
		f = f[i+1:]
	}
	buf = append(buf, f...)
	return append(buf, '"')
}

// fieldNeedsQuotes is encoding/csv's rule for a comma-separated field.
func fieldNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` || strings.ContainsAny(f, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

// newHasher returns a hash for a RECORD hash value ("sha256=..."), and the
// expected digest. Only sha256 and stronger are accepted, as PEP 427 says.
func newHasher(value string) (hash.Hash, string, error) {
	if err := checkHashValue(value); err != nil {
		return nil, "", err
	}
	algo, digest, _ := strings.Cut(value, "=")
	switch algo {
	case "sha384":
		return sha512.New384(), digest, nil
	case "sha512":
		return sha512.New(), digest, nil
	}
	return sha256.New(), digest, nil
}

// checkHashValue checks a RECORD hash value ("sha256=<digest>") names an
// algorithm pyshim accepts, without making a hasher.
func checkHashValue(value string) error {
	algo, digest, ok := strings.Cut(value, "=")
	if !ok || digest == "" {
		return fmt.Errorf("malformed hash %q", value)
	}
	switch algo {
	case "sha256", "sha384", "sha512":
		return nil
	}
	return fmt.Errorf("unsupported hash algorithm %q (wheels must use sha256 or stronger)", algo)
}

// encodeDigest is the RECORD form of a digest: urlsafe base64, no padding.
func encodeDigest(sum []byte) string { return base64.RawURLEncoding.EncodeToString(sum) }

// sha256Record is the RECORD hash value of data.
func sha256Record(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256=" + encodeDigest(sum[:])
}

// verifier hashes what is written through it and checks it against a
// RECORD entry at the end.
type verifier struct {
	h      hash.Hash
	want   string
	value  string
	n      int64
	expect int64
}

func newVerifier(e recordEntry) (*verifier, error) {
	h, want, err := newHasher(e.Hash)
	if err != nil {
		return nil, err
	}
	return &verifier{h: h, want: want, value: e.Hash, expect: e.Size}, nil
}

func (v *verifier) Write(p []byte) (int, error) {
	v.n += int64(len(p))
	return v.h.Write(p)
}

// check reports a size or digest mismatch.
func (v *verifier) check() error {
	if v.expect >= 0 && v.n != v.expect {
		return fmt.Errorf("size %d does not match RECORD's %d", v.n, v.expect)
	}
	if got := encodeDigest(v.h.Sum(nil)); got != strings.TrimRight(v.want, "=") {
		return fmt.Errorf("hash does not match RECORD (RECORD has %s, file has %s)", v.value, strings.SplitN(v.value, "=", 2)[0]+"="+got)
	}
	return nil
}
