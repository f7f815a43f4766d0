#!/usr/bin/env bash
# Benchmark `pyshim install` against pip, measured in the same run, on the
# same local index and the same package set:
#   pyshim install, cold cache (no wheel, page, metadata or info cache)
#   pyshim install, warm cache (everything unpacked already)
#   pip install --no-compile   (pip's own HTTP cache warm, as pip usually runs)
# each into a fresh venv (made by --prepare, not timed), and print the ratios
# (targets: cold <= 1/5 of pip; warm <= 1/20 of pip and under 0.5 s).
#
# The index is a wheelhouse repacked from pyenv 3.11.7's site-packages by
# ../shared/tools/repack_wheels.py (every distribution there, so that the
# dependencies of PACKAGES are in it), served over HTTP on 127.0.0.1 by
# Python's http.server. Stock `python3 -m http.server` listens with a
# backlog of 5: any client that opens more than 5 connections at once (we
# fetch 8 pages in parallel, pip fetches one at a time) then loses SYNs
# and waits 1 s for the kernel's retransmit. So by default the same
# http.server handler is served with a listen backlog of 128;
# STOCK_SERVER=1 uses `python3 -m http.server` as it is.
#
# usage: bench/install.sh [PYTHON]   (default: pyenv's 3.11.7; needs hyperfine)
#   PACKAGES="flask requests"  RUNS=5  STOCK_SERVER=1  REPACK=path/to/repack_wheels.py
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=${1:-${PYENV_ROOT:-$HOME/.pyenv}/versions/3.11.7/bin/python3.11}
packages=${PACKAGES:-flask requests pydantic boto3 jsonschema ipython sympy cryptography}
runs=${RUNS:-5}
repack=${REPACK:-$root/../shared/tools/repack_wheels.py}
[ -f "$repack" ] || repack=/work/shared/tools/repack_wheels.py
site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
./build.sh "$work"
export XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONFIG_FILE=/dev/null PIP_CACHE_DIR=$work/pipcache
unset VIRTUAL_ENV PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_NO_INDEX

python3 "$repack" "$site" "$work/wh" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ "${STOCK_SERVER:-}" = 1 ]; then
  python3 -m http.server --bind 127.0.0.1 --directory "$work/wh" "$port" >/dev/null 2>&1 &
else
  python3 - "$port" "$work/wh" >/dev/null 2>&1 <<'PY' &
import functools, http.server, sys
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
Server(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
PY
fi
server=$!
index=http://127.0.0.1:$port/simple
until curl -sf "$index/" >/dev/null; do sleep 0.1; done

# Fresh venvs come from templates copied by --prepare; old ones are moved
# aside, not deleted, so that no run pays for the file system reclaiming
# the last run's inodes (ext4 without a journal scans recently deleted
# inodes on every allocation). The trash goes at exit.
"$py" -m venv --without-pip "$work/tpl-bare"
"$py" -m venv "$work/tpl-pip"
mkdir -p "$work/trash"
cat >"$work/prep.sh" <<EOF
#!/bin/sh
# prep.sh TEMPLATE DIR [cold]: DIR becomes a fresh copy of TEMPLATE.
set -e
t=\$(mktemp -d "$work/trash/x.XXXXXX")
[ -e "\$2" ] && mv "\$2" "\$t/"
[ "\$3" = cold ] && [ -e "$work/cache/pyshim" ] && mv "$work/cache/pyshim" "\$t/cache"
cp -a "\$1" "\$2"
# Start every run, peers included, with no dirty data of the last one
# still being written back.
sync
EOF
chmod +x "$work/prep.sh"

# Check the set once, and warm pip's cache and pyshim's.
"$work/prep.sh" "$work/tpl-bare" "$work/v"
"$work/pyshim" install -q --venv "$work/v" -i "$index" $packages
n=$("$work/pyshim" freeze --all --venv "$work/v" | wc -l)
"$work/prep.sh" "$work/tpl-pip" "$work/p"
"$work/p/bin/python" -m pip install -q --no-compile -i "$index" $packages
np=$("$work/p/bin/python" -m pip freeze | wc -l)
echo "interpreter: $py"
echo "packages: $packages -> pyshim installs $n distributions, pip $np"

hyperfine -N --runs "$runs" --export-json "$work/h.json" \
  --prepare "$work/prep.sh $work/tpl-bare $work/v cold" --command-name "pyshim install (cold cache)" \
  "$work/pyshim install -q --venv $work/v -i $index $packages" \
  --prepare "$work/prep.sh $work/tpl-bare $work/w" --command-name "pyshim install (warm cache)" \
  "$work/pyshim install -q --venv $work/w -i $index $packages" \
  --prepare "$work/prep.sh $work/tpl-pip $work/p" --command-name "pip install --no-compile" \
  "$work/p/bin/python -m pip install -q --no-compile -i $index $packages" >/dev/null

python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(f"{'command':30} {'mean s':>8} {'±':>6} {'min s':>7}")
for name, x in r.items():
    print(f"{name:30} {x['mean']:8.3f} {x['stddev']:6.3f} {x['min']:7.3f}")
print()
pip = r["pip install --no-compile"]["mean"]
cold = r["pyshim install (cold cache)"]["mean"]
warm = r["pyshim install (warm cache)"]["mean"]
def verdict(ok): return "meets" if ok else "misses"
print(f"cold / pip: {cold/pip:.3f} (1/{pip/cold:.1f}; target 1/5: {verdict(cold <= pip/5)})")
print(f"warm / pip: {warm/pip:.3f} (1/{pip/warm:.1f}; target 1/20: {verdict(warm <= pip/20)})")
print(f"warm: {warm:.3f} s (target < 0.5 s: {verdict(warm < 0.5)})")
PY
