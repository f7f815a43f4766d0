package index

import (
	"html"
	"net/url"
	"path"
	"strings"
)

// link is one anchor of a PEP 503 page or find-links page.
type link struct {
	href           string // absolute, without fragment
	filename       string
	hashes         map[string]string
	requiresPython string
	yanked         bool
	yankedReason   string
	metadata       bool
	metadataHashes map[string]string
	source         string
}

func (l link) rawFile() rawFile {
	return rawFile{filename: l.filename, url: l.href, requiresPython: l.requiresPython, yankedReason: l.yankedReason,
		hashes: l.hashes, metadataHashes: l.metadataHashes, yanked: l.yanked, metadata: l.metadata, source: l.source}
}

// parseHTML extracts the anchors of a PEP 503 page, resolving hrefs
// against the page URL or its <base href>. It is a tolerant scanner for
// the simple, machine-written pages indexes serve, not a full HTML parser.
func parseHTML(body, pageURL string) []link {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	var out []link
	for i := 0; i < len(body); {
		lt := strings.IndexByte(body[i:], '<')
		if lt < 0 {
			break
		}
		i += lt + 1
		if strings.HasPrefix(body[i:], "!--") {
			end := strings.Index(body[i:], "-->")
			if end < 0 {
				break
			}
			i += end + 3
			continue
		}
		name, attrs, next := scanTag(body, i)
		i = next
		switch name {
		case "base":
			if h, ok := attrs["href"]; ok {
				if b, err := base.Parse(h); err == nil {
					base = b
				}
			}
		case "a":
			h, ok := attrs["href"]
			if !ok {
				continue
			}
			u, err := base.Parse(strings.TrimSpace(h))
			if err != nil {
				continue
			}
			l := link{requiresPython: attrs["data-requires-python"]}
			l.href, l.hashes = splitHash(u)
			l.filename = path.Base(u.Path)
			if unq, err := url.PathUnescape(l.filename); err == nil {
				l.filename = unq
			}
			if r, ok := attrs["data-yanked"]; ok {
				l.yanked, l.yankedReason = true, r
			}
			md, ok := attrs["data-core-metadata"]
			if !ok {
				md, ok = attrs["data-dist-info-metadata"]
			}
			if ok && md != "false" {
				l.metadata = true
				if k, v, found := strings.Cut(md, "="); found && knownHash(strings.ToLower(k)) {
					l.metadataHashes = map[string]string{strings.ToLower(k): strings.ToLower(v)}
				}
			}
			out = append(out, l)
		}
	}
	return out
}

// scanTag reads a tag's name and attributes from just after its "<";
// names are lower-cased, values unescaped. It returns the index after ">".
func scanTag(s string, i int) (string, map[string]string, int) {
	start := i
	for i < len(s) && !isSpace(s[i]) && s[i] != '>' && s[i] != '/' {
		i++
	}
	name := strings.ToLower(s[start:i])
	if name != "a" && name != "base" {
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			return name, nil, len(s)
		}
		return name, nil, i + end + 1
	}
	attrs := map[string]string{}
	for i < len(s) {
		for i < len(s) && (isSpace(s[i]) || s[i] == '/') {
			i++
		}
		if i >= len(s) || s[i] == '>' {
			return name, attrs, i + 1
		}
		ks := i
		for i < len(s) && !isSpace(s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/' {
			i++
		}
		key := strings.ToLower(s[ks:i])
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '=' {
			if key != "" {
				attrs[key] = ""
			}
			if i == ks {
				i++
			}
			continue
		}
		i++
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		var val string
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				return name, attrs, len(s)
			}
			val = s[i+1 : i+1+end]
			i += end + 2
		} else {
			vs := i
			for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
				i++
			}
			val = s[vs:i]
		}
		attrs[key] = html.UnescapeString(val)
	}
	return name, attrs, len(s)
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }
