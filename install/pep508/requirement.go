package pep508

import (
	"slices"
	"strings"

	"github.com/pyshim/pyshim/install/pep440"
)

// Requirement is a parsed dependency specifier such as
// `requests[security,socks]>=2.8.1,==2.8.*; python_version < "2.7"` or
// `name @ https://example.com/name.whl`.
type Requirement struct {
	// Name is the project name as written; see NormalizedName.
	Name string
	// Extras are the requested extras as written, sorted, without duplicates.
	Extras []string
	// Specifier is the version constraint (empty when none or for a URL).
	Specifier pep440.SpecifierSet
	// URL is the direct reference after "@", or "".
	URL string
	// Marker is the environment marker after ";", or nil.
	Marker *Marker
}

// ParseRequirement parses a PEP 508 dependency specifier.
func ParseRequirement(s string) (*Requirement, error) {
	p := &parser{src: s}
	r := &Requirement{}
	p.ws()
	end := p.identifier()
	if end < 0 {
		return nil, p.fail("Expected package name at the start of dependency specifier")
	}
	r.Name = s[p.pos:end]
	p.pos = end
	p.ws()
	if err := p.extras(r); err != nil {
		return nil, err
	}
	p.ws()
	if err := p.details(r); err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, p.fail("Expected end of dependency specifier")
	}
	return r, nil
}

// MustParseRequirement is ParseRequirement for constants; it panics on error.
func MustParseRequirement(s string) *Requirement {
	r, err := ParseRequirement(s)
	if err != nil {
		panic(err)
	}
	return r
}

func (p *parser) extras(r *Requirement) error {
	if p.peek() != '[' {
		return nil
	}
	return p.enclosed('[', ']', "LEFT_BRACKET", "RIGHT_BRACKET", "extras", func() error {
		p.ws()
		end := p.identifier()
		if end >= 0 {
			r.Extras = append(r.Extras, p.src[p.pos:end])
			p.pos = end
			for {
				p.ws()
				if p.identifier() >= 0 {
					return p.fail("Expected comma between extra names")
				}
				if p.peek() != ',' {
					break
				}
				p.pos++
				p.ws()
				end := p.identifier()
				if end < 0 {
					return p.fail("Expected extra name after comma")
				}
				r.Extras = append(r.Extras, p.src[p.pos:end])
				p.pos = end
			}
		}
		p.ws()
		slices.Sort(r.Extras)
		r.Extras = slices.Compact(r.Extras)
		return nil
	})
}

func (p *parser) details(r *Requirement) error {
	if p.peek() == '@' {
		p.pos++
		p.ws()
		urlStart := p.pos
		for p.pos < len(p.src) && p.src[p.pos] != ' ' && p.src[p.pos] != '\t' {
			p.pos++
		}
		if p.pos == urlStart {
			return p.fail("Expected URL after @")
		}
		r.URL = p.src[urlStart:p.pos]
		if p.eof() {
			return nil
		}
		p.ws()
		if p.eof() {
			return nil
		}
		return p.requirementMarker(r, urlStart, "semicolon (after URL and whitespace)")
	}
	specStart := p.pos
	var text string
	err := p.enclosed('(', ')', "LEFT_PARENTHESIS", "RIGHT_PARENTHESIS", "version specifier", func() error {
		p.ws()
		var err error
		text, err = p.parseSpecifierText()
		p.ws()
		return err
	})
	if err != nil {
		return err
	}
	set, err := pep440.ParseSpecifierSet(text)
	if err != nil {
		return p.failSpan("Invalid specifier: "+err.Error(), specStart, p.pos)
	}
	r.Specifier = set
	p.ws()
	if p.eof() {
		return nil
	}
	expected := "semicolon (after name with no version specifier)"
	if text != "" {
		expected = "comma (within version specifier), semicolon (after version specifier)"
	}
	return p.requirementMarker(r, specStart, expected)
}

func (p *parser) requirementMarker(r *Requirement, spanStart int, expected string) error {
	if p.peek() != ';' {
		return p.failSpan("Expected "+expected+" or end", spanStart, p.pos)
	}
	p.pos++
	g, err := p.marker()
	if err != nil {
		return err
	}
	r.Marker = &Marker{root: g}
	p.ws()
	return nil
}

// NormalizedName is the PEP 503 form of Name.
func (r *Requirement) NormalizedName() string { return NormalizeName(r.Name) }

// NormalizedExtras are the extras in PEP 685 normal form, sorted.
func (r *Requirement) NormalizedExtras() []string {
	out := make([]string, len(r.Extras))
	for i, e := range r.Extras {
		out[i] = NormalizeName(e)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// String formats the requirement as packaging does:
// `name[a,b]>=1,<2; marker` or `name @ url ; marker`.
func (r *Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		b.WriteString("[" + strings.Join(r.Extras, ",") + "]")
	}
	b.WriteString(r.Specifier.String())
	if r.URL != "" {
		b.WriteString(" @ " + r.URL)
		if r.Marker != nil {
			b.WriteString(" ")
		}
	}
	if r.Marker != nil {
		b.WriteString("; " + r.Marker.String())
	}
	return b.String()
}

// Equal reports whether two requirements are equivalent: same normalised
// name and extras, equivalent specifiers, same URL and marker.
func (r *Requirement) Equal(o *Requirement) bool {
	return r.NormalizedName() == o.NormalizedName() &&
		slices.Equal(r.NormalizedExtras(), o.NormalizedExtras()) &&
		r.Specifier.Equal(o.Specifier) && r.URL == o.URL &&
		r.Marker.String() == o.Marker.String()
}
