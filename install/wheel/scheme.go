package wheel

import (
	"fmt"
	"path/filepath"
)

// VenvScheme builds the Scheme of the venv at venv from the interpreter's
// venv scheme paths relative to the venv (resolver.Info.VenvPaths:
// "purelib", "platlib", "scripts", "data") and its "X.Y" version, which
// names the headers directory include/site/pythonX.Y as pip and uv use it
// for venvs.
func VenvScheme(venv string, paths map[string]string, pythonVersion string) (Scheme, error) {
	if !filepath.IsAbs(venv) {
		return Scheme{}, fmt.Errorf("venv path %q is not absolute", venv)
	}
	get := func(key, def string) (string, error) {
		p, ok := paths[key]
		if !ok || p == "" {
			if def == "" {
				return "", fmt.Errorf("the interpreter's venv scheme has no %q path; re-run the interpreter query (pyshim doctor)", key)
			}
			p = def
		}
		if filepath.IsAbs(p) {
			return "", fmt.Errorf("the interpreter's venv scheme path %s = %q is not relative to the venv", key, p)
		}
		joined := filepath.Join(venv, p)
		if !ancestorOrSame(filepath.Clean(venv), joined) {
			return "", fmt.Errorf("the interpreter's venv scheme path %s = %q leaves the venv", key, p)
		}
		return joined, nil
	}
	var s Scheme
	var err error
	if s.Purelib, err = get("purelib", ""); err != nil {
		return Scheme{}, err
	}
	if s.Platlib, err = get("platlib", ""); err != nil {
		return Scheme{}, err
	}
	if s.Scripts, err = get("scripts", "bin"); err != nil {
		return Scheme{}, err
	}
	if s.Data, err = get("data", "."); err != nil {
		return Scheme{}, err
	}
	s.Headers = filepath.Join(venv, "include", "site", "python"+pythonVersion)
	return s, nil
}
