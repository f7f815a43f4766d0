#!/usr/bin/env bash
# Benchmark building local projects: pyshim install against pip, measured
# in the same hyperfine invocation, on the same small setuptools project
# (a package, a console script, one dependency) and the same local
# wheelhouse, each into a fresh venv made by --prepare (not timed):
#   pyshim install .        first time (no build env, no built wheel cached)
#   pyshim install .        second time (build env cached, project unchanged)
#   pip install .           (pip's HTTP cache warm; pip builds every time)
#   pyshim install -e .     (build env cached; editable wheels are rebuilt)
#   pip install -e .
# and print the ratios (goals: first build <= 0.5x pip; an unchanged
# project <= 0.1x pip, that is no build at all).
#
# The wheelhouse is setuptools repacked from pyenv 3.11.7's site-packages
# by ../shared/tools/repack_wheels.py, Debian's wheel 0.38.4, and the
# project's dependency; pip and pyshim both read it with --no-index
# --find-links.
#
# usage: bench/build.sh [PYTHON]   (default: pyenv's 3.11.7; needs hyperfine)
#   RUNS=5  REPACK=path/to/repack_wheels.py  TMPDIR=DIR
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=${1:-${PYENV_ROOT:-$HOME/.pyenv}/versions/3.11.7/bin/python3.11}
runs=${RUNS:-5}
repack=${REPACK:-$root/../shared/tools/repack_wheels.py}
[ -f "$repack" ] || repack=/work/shared/tools/repack_wheels.py
site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./build.sh "$work"
export XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONFIG_FILE=/dev/null PIP_CACHE_DIR=$work/pipcache
unset VIRTUAL_ENV PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_NO_INDEX
ps=$work/pyshim

"$py" "$repack" "$site" "$work/wh" setuptools >/dev/null
cp /usr/share/python-wheels/wheel-*.whl "$work/wh/"
# The project and its dependency (a wheel built by pip once, not timed).
mkdir -p "$work/dep/benchdep" "$work/proj/benchproj"
printf 'VALUE = 1\n' >"$work/dep/benchdep/__init__.py"
printf '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "benchdep"\nversion = "1.0"\n[tool.setuptools]\npackages = ["benchdep"]\n' >"$work/dep/pyproject.toml"
printf 'import benchdep\n\ndef main():\n    print(benchdep.VALUE)\n' >"$work/proj/benchproj/__init__.py"
printf '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "benchproj"\nversion = "1.0"\ndependencies = ["benchdep"]\n[project.scripts]\nbenchproj = "benchproj:main"\n[tool.setuptools]\npackages = ["benchproj"]\n' >"$work/proj/pyproject.toml"
"$py" -m venv "$work/pipvenv"
"$work/pipvenv/bin/pip" wheel -q --no-index -f "$work/wh" -w "$work/wh" "$work/dep" >/dev/null
rm -rf "$work/dep/build" "$work/dep"/*.egg-info
pip=$work/pipvenv/bin/pip
# pip's HTTP and wheel caches warm, as pip usually runs.
"$pip" install -q --no-index -f "$work/wh" --target "$work/warm" "$work/proj" >/dev/null
rm -rf "$work/proj/build" "$work/proj"/*.egg-info "$work/warm"

# hyperfine -N runs --prepare without a shell: a script makes each run's
# fresh venv (python -m venv; "pip" gives it pip), moves the last one
# aside rather than deleting it, and with "cold" moves the build cache
# aside too; then syncs.
cat >"$work/prep" <<SH
#!/bin/sh
set -e
mkdir -p $work/trash
aside() { if [ -e "\$1" ]; then mv "\$1" "$work/trash/\$(basename "\$1").\$(date +%s%N)"; fi; }
aside "$work/\$1"
case "\$2" in pip) $py -m venv "$work/\$1" ;; *) $py -m venv --without-pip "$work/\$1" ;; esac
[ "\$3" = cold ] && aside "$XDG_CACHE_HOME/pyshim/build"
sync
SH
chmod +x "$work/prep"
opts="--no-index -f $work/wh"
cd "$work/proj"
hyperfine -N --runs "$runs" --export-json "$work/result.json" \
  --prepare "$work/prep v1 - cold" -n "pyshim install . (first build)" "$ps install -q --venv $work/v1 $opts ." \
  --prepare "$work/prep v2" -n "pyshim install . (unchanged, build env cached)" "$ps install -q --venv $work/v2 $opts ." \
  --prepare "$work/prep v3 pip" -n "pip install ." "$work/v3/bin/pip install -q --no-compile $opts ." \
  --prepare "$work/prep v4" -n "pyshim install -e ." "$ps install -q --venv $work/v4 $opts -e ." \
  --prepare "$work/prep v5 pip" -n "pip install -e ." "$work/v5/bin/pip install -q --no-compile $opts -e ." 2>&1 | grep -v '^ *$' || true
"$py" - "$work/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def m(n): return r[n]["median"]
pip, pipe = m("pip install ."), m("pip install -e .")
print()
print("medians: first %.3fs, unchanged %.3fs, pip %.3fs; -e %.3fs, pip -e %.3fs" % (m("pyshim install . (first build)"), m("pyshim install . (unchanged, build env cached)"), pip, m("pyshim install -e ."), pipe))
print("first build / pip   = %.3fx (goal <= 0.5)" % (m("pyshim install . (first build)") / pip))
print("unchanged / pip     = %.3fx (goal <= 0.1)" % (m("pyshim install . (unchanged, build env cached)") / pip))
print("editable / pip -e   = %.3fx" % (m("pyshim install -e .") / pipe))
PY
