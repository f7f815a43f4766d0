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
	"sort"
	"strconv"
	"strings"
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
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var out []recordEntry
	seen := map[string]int{}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("RECORD is not valid CSV: %v", err)
		}
		if len(row) == 0 || (len(row) == 1 && row[0] == "") {
			continue
		}
		e := recordEntry{Path: row[0], Size: -1}
		if len(row) > 1 {
			e.Hash = row[1]
		}
		if len(row) > 2 && row[2] != "" {
			n, err := strconv.ParseInt(row[2], 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("RECORD row for %q has an invalid size %q", e.Path, row[2])
			}
			e.Size = n
		}
		if i, ok := seen[e.Path]; ok {
			if out[i] != e {
				return nil, fmt.Errorf("RECORD lists %q twice with different hashes or sizes", e.Path)
			}
			continue
		}
		seen[e.Path] = len(out)
		out = append(out, e)
	}
	return out, nil
}

// formatRecord writes rows sorted by path, as CSV with \n line ends.
func formatRecord(rows []recordEntry) []byte {
	sort.Slice(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path })
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, e := range rows {
		size := ""
		if e.Size >= 0 {
			size = strconv.FormatInt(e.Size, 10)
		}
		_ = w.Write([]string{e.Path, e.Hash, size})
	}
	w.Flush()
	return buf.Bytes()
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
