#!/usr/bin/env bash
# Benchmark `pyshim venv` against its peers, measured in the same run:
#   pyshim venv (warm caches)     vs  python3.11 -m venv --without-pip
#                                 vs  virtualenv --no-seed
#   pyshim venv --seed            vs  python3.11 -m venv (with pip)
#   (warm and cold wheel cache)
# and print the ratios (targets: <= 1/10 and <= 1/15).
#
# usage: bench/venv.sh [PYTHON]   (default: pyenv's 3.11.7; needs hyperfine,
# and virtualenv for that peer: Debian's `virtualenv` package)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${1:-${PYENV_ROOT:-$HOME/.pyenv}/versions/3.11.7/bin/python3.11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./build.sh "$work"
# The cached resolution depends on the PATH directories (a new python may
# appear there); keep PATH to stable system directories so that unrelated
# installs (go install, pyenv rehash) during the run do not invalidate it.
export PATH=/usr/local/bin:/usr/bin:/bin
export XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
export VIRTUALENV_OVERRIDE_APP_DATA=$work/virtualenv-data PIP_DISABLE_PIP_VERSION_CHECK=1
cd "$work"

# Each run gets a fresh destination: --prepare moves the last run's tree
# (and, for the cold case, the wheel cache) aside into $work/trash instead
# of deleting it. On this machine's ext4 (no journal), every inode
# allocation skips the inodes freed in the last few seconds, one by one:
# an `rm -rf` of a venv (or of pip's 1,500 files) just before a run makes
# that run's creations several times slower, which would measure the
# bench's own clean-up, not the tool. The trash goes at exit. Every
# command, peers included, is prepared the same way.
mkdir -p "$work/trash"
cat >"$work/aside" <<'EOF2'
#!/bin/sh
# aside PATH...: move each existing PATH into a new directory of the trash.
t=$(mktemp -d "${0%/*}/trash/x.XXXXXX")
for p in "$@"; do [ -e "$p" ] && mv "$p" "$t/"; done
# Start every run, peers included, with no dirty data of the last one
# still being written back.
sync
exit 0
EOF2
chmod +x "$work/aside"

# Warm pyshim's caches as a second run in a project finds them: the
# interpreter-info query and the resolution of this directory. A cache
# entry is only written when nothing it depends on changed in the last
# two seconds (the trust list does on the first run).
for dir in v s; do
  "$work/pyshim" venv -p "$py" "$dir" 2>/dev/null
  "$work/aside" "$dir"
done
sleep 2.1
for dir in v s; do "$work/pyshim" venv -p "$py" "$dir" 2>/dev/null; "$work/aside" "$dir"; done

# pyshim --version is the floor: the binary's start-up (runtime and
# package init) before any venv work.
cmds=(
  --prepare true --command-name "pyshim --version (start-up floor)" "$work/pyshim --version"
  --prepare "$work/aside $work/v" --command-name "pyshim venv" "$work/pyshim venv -p $py v"
  --prepare "$work/aside $work/r" --command-name "python -m venv --without-pip" "$py -m venv --without-pip r"
)
if command -v virtualenv >/dev/null; then
  cmds+=(--prepare "$work/aside $work/e" --command-name "virtualenv --no-seed" "virtualenv -q --no-seed -p $py e")
else
  echo "note: virtualenv is not installed (Debian: apt-get install virtualenv); that peer is skipped"
fi
# --seed links pip from pyshim's wheel cache, where the first seed unpacks
# it (the warm-up runs do); the cold case empties that cache first.
cmds+=(
  --prepare "$work/aside $work/s" --command-name "pyshim venv --seed" "$work/pyshim venv --seed -p $py s"
  --prepare "$work/aside $work/s $XDG_CACHE_HOME/pyshim/wheels-v2" --command-name "pyshim venv --seed (cold wheel cache)" "$work/pyshim venv --seed -p $py s"
  --prepare "$work/aside $work/p" --command-name "python -m venv (with pip)" "$py -m venv p"
)
echo "interpreter: $py"
hyperfine -N --warmup 2 --runs 15 --export-json "$work/h.json" "${cmds[@]}" >/dev/null

python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(f"{'command':40} {'mean ms':>9} {'±':>7}")
for name, x in r.items():
    print(f"{name:40} {x['mean']*1000:9.1f} {x['stddev']*1000:7.1f}")
print()
def ratio(a, b, target):
    if a in r and b in r:
        q = r[a]["mean"] / r[b]["mean"]
        ok = "meets" if q <= 1 / target else "misses"
        print(f"{a} / {b}: {q:.3f} (1/{1/q:.1f}; target 1/{target}: {ok})")
floor = r.get("pyshim --version (start-up floor)")
if floor and "pyshim venv" in r:
    print(f"pyshim venv beyond start-up: {(r['pyshim venv']['mean'] - floor['mean'])*1000:.1f} ms")
ratio("pyshim venv", "python -m venv --without-pip", 10)
ratio("pyshim venv", "virtualenv --no-seed", 10)
ratio("pyshim venv --seed", "python -m venv (with pip)", 15)
ratio("pyshim venv --seed (cold wheel cache)", "python -m venv (with pip)", 15)
PY
