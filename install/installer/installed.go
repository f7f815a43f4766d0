package installer

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/wheel"
)

// Dist is a distribution installed in a target.
type Dist struct {
	// Name is the name as its METADATA spells it; Version likewise.
	Name    string
	Version string
	// DistInfo is the absolute path of its .dist-info directory.
	DistInfo string
	// Installer is the content of INSTALLER ("pip", "pyshim"), if any.
	Installer string
	// Requested is true when REQUESTED exists (it was asked for by name).
	Requested bool
	// Metadata is its parsed core metadata.
	Metadata *index.Metadata
	// DirectURL is its direct_url.json (PEP 610), nil when it has none
	// (it came from an index).
	DirectURL *DirectURL
}

// Normalized is the PEP 503 form of the name.
func (d Dist) Normalized() string { return pep508.NormalizeName(d.Name) }

// List reads the distributions installed in t (its purelib and platlib
// *.dist-info directories), sorted by normalised name. A dist-info without
// readable METADATA is skipped, as pip does.
func List(t *Target) ([]Dist, error) {
	return listDists([]string{t.Scheme.Purelib, t.Scheme.Platlib})
}

func listDists(dirs []string) ([]Dist, error) {
	infos, err := wheel.DistInfoDirs(dirs...)
	if err != nil {
		return nil, err
	}
	var out []Dist
	for _, di := range infos {
		data, err := os.ReadFile(filepath.Join(di, "METADATA"))
		if err != nil {
			continue
		}
		md, err := index.ParseMetadata(data)
		if err != nil || md.Name == "" || md.Version == "" {
			continue
		}
		d := Dist{Name: md.Name, Version: md.Version, DistInfo: di, Metadata: md}
		if b, err := os.ReadFile(filepath.Join(di, "INSTALLER")); err == nil {
			d.Installer = strings.TrimSpace(string(b))
		}
		d.Requested = fileExists(filepath.Join(di, "REQUESTED"))
		d.DirectURL = readDirectURL(di)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Normalized(), out[j].Normalized()
		if a != b {
			return a < b
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}
