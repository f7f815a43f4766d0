package wheel

import (
	"bytes"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// csvRows and csvFormat are encoding/csv's reading and writing of a
// RECORD, which recordRows and formatRecord must match.
func csvRows(data []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var out [][]string
	for {
		row, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
}

func csvFormat(rows []recordEntry) []byte {
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

// FuzzParseRecord: a RECORD of any content parses or fails with a one-line
// error; what parses names each path once, and writing it out and reading
// it back gives the same rows (sorted), written the same way again.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"a/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\na-1.0.dist-info/RECORD,,\n",
		"\"with,comma.py\",sha256=x,12\r\n\"quo\"\"te\",,\n",
		"a,sha256=x,1\na,sha256=y,1\n",
		"a,sha256=x,-1\n",
		"\"unterminated\n",
		"a,,\n\n b,c\n\\.,x,\n\u2003em,y,1\nlast",
		"a,b\"c,1\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got [][]string
		gotErr := recordRows(data, func(row []string) error {
			got = append(got, slices.Clone(row))
			return nil
		})
		want, wantErr := csvRows(data)
		if (gotErr != nil) != (wantErr != nil) || (wantErr == nil && !slices.EqualFunc(got, want, slices.Equal)) {
			t.Fatalf("recordRows = %q, %v; encoding/csv reads %q, %v", got, gotErr, want, wantErr)
		}
		rows, err := parseRecord(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error with a newline: %q", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if seen[r.Path] {
				t.Fatalf("%q listed twice", r.Path)
			}
			seen[r.Path] = true
			if r.Size < -1 {
				t.Fatalf("size %d", r.Size)
			}
		}
		out := formatRecord(slices.Clone(rows))
		if ref := csvFormat(slices.SortedFunc(slices.Values(rows), func(a, b recordEntry) int { return strings.Compare(a.Path, b.Path) })); !bytes.Equal(out, ref) {
			t.Fatalf("formatRecord wrote %q, encoding/csv writes %q", out, ref)
		}
		again, err := parseRecord(out)
		if err != nil {
			t.Fatalf("formatted RECORD %q does not parse: %v", out, err)
		}
		if strings.Contains(string(data), "\r") {
			// encoding/csv reads a quoted "\r\n" as "\n": a carriage
			// return in a field need not survive the trip.
			return
		}
		sorted := slices.Clone(rows)
		slices.SortFunc(sorted, func(a, b recordEntry) int { return strings.Compare(a.Path, b.Path) })
		if !slices.Equal(again, sorted) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, sorted)
		}
		if string(formatRecord(again)) != string(out) {
			t.Fatal("formatting is not stable")
		}
	})
}

// FuzzFormatRecord: any path and hash are written as encoding/csv writes
// them, and read back the same.
func FuzzFormatRecord(f *testing.F) {
	for _, s := range []string{"a/b.py", "with,comma", `q"uote`, " lead", `\.`, "\u2003em", "cr\rlf\n", ""} {
		f.Add(s, "sha256=x", int64(3))
	}
	f.Fuzz(func(t *testing.T, path, hash string, size int64) {
		if size < -1 {
			size = -1
		}
		rows := []recordEntry{{Path: path, Hash: hash, Size: size}, {Path: "z" + path, Hash: "", Size: -1}}
		out := formatRecord(rows) // sorts rows
		if ref := csvFormat(rows); !bytes.Equal(out, ref) {
			t.Fatalf("formatRecord wrote %q, encoding/csv writes %q", out, ref)
		}
	})
}
