#!/usr/bin/env bash
# Benchmark `pyshim install` against pip and against the physical floor,
# all measured interleaved in ONE hyperfine invocation, on the same local
# index and the same package set:
#   pyshim install, cold cache (no wheel, page, metadata or info cache)
#   pyshim install, warm cache (everything unpacked already)
#   pip install --no-compile   (pip's own HTTP cache warm, as pip usually runs)
#   floor, warm: `cp -al` of the finished site-packages into a fresh venv
#     (the least a placer of these ~11k files can do: one link per file,
#     one mkdir per directory)
#   floor, cold: the resolved wheels (the same set, from the wheelhouse)
#     unzipped into a fresh venv's site-packages by 2 parallel Info-ZIP
#     `unzip` processes (`xargs -P2 -n1 unzip -q -o -d DIR`, largest wheel
#     first so that both workers stay busy to the end): the least a cold
#     install does with 2 cores, without any network, resolve, hash or RECORD
# Every timed run gets its target made beforehand by --prepare (a fresh
# venv copied from a template; nothing is deleted inside a timed run), and
# the summary prints the ratios to pip and to the floors (goals: warm <=
# 0.05x pip and <= 2x its floor; cold <= 0.20x pip and <= 2x its floor).
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
# Run it on a quiet file system: ext4 without a journal (this machine's)
# skips, on every inode allocation, each free inode deleted in the last 60 s
# (360 s while its inode table block is dirty), one lookup each, so right
# after a test run or an `rm -rf` of many files every mkdir of pyshim, of
# the peers and of the floors costs several times more (perf: up to a fifth
# of a warm install's CPU in find_inode_bit/recently_deleted). Wait ~6
# minutes after deleting many files. The trash of this script goes at exit.
#
# usage: bench/install.sh [PYTHON]   (default: pyenv's 3.11.7; needs
#   hyperfine and unzip; run with TMPDIR on a disk, e.g. /work/benchtmp)
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

# Check the set once, and warm pip's cache and pyshim's. $work/done is
# the finished venv whose site-packages the warm floor links.
"$work/prep.sh" "$work/tpl-bare" "$work/done"
"$work/pyshim" install -q --venv "$work/done" -i "$index" $packages
"$work/pyshim" freeze --all --venv "$work/done" >"$work/freeze.txt"
n=$(wc -l <"$work/freeze.txt")
"$work/prep.sh" "$work/tpl-pip" "$work/p"
"$work/p/bin/python" -m pip install -q --no-compile -i "$index" $packages
np=$("$work/p/bin/python" -m pip freeze | wc -l)
site_rel=$("$work/done/bin/python" -c 'import sys, sysconfig; print(sysconfig.get_paths()["purelib"][len(sys.prefix) + 1:])')
nfiles=$(find "$work/done/$site_rel" -type f | wc -l)
# The cold floor unzips the wheels of exactly the resolved set, largest
# first (xargs hands them out in order).
python3 - "$work/freeze.txt" "$work/wh" >"$work/wheels.txt" <<'PY'
import os, re, sys
norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
want = {}
for line in open(sys.argv[1]):
    name, version = line.strip().split("==")
    want[(norm(name), version)] = None
for f in os.listdir(sys.argv[2]):
    if f.endswith(".whl"):
        name, version = f.split("-")[:2]
        if (norm(name), version) in want:
            want[(norm(name), version)] = os.path.join(sys.argv[2], f)
missing = [k for k, v in want.items() if v is None]
if missing:
    sys.exit(f"no wheel in the wheelhouse for {missing}")
for f in sorted(want.values(), key=os.path.getsize, reverse=True):
    print(f)
PY
echo "interpreter: $py"
echo "packages: $packages -> pyshim installs $n distributions ($nfiles files in site-packages), pip $np"

# One hyperfine invocation, --runs 1 per command and the commands repeated
# round after round (cold, warm, pip, floors; cold, warm, ...): noise from
# the other jobs on this machine falls on all of them alike.
cmds=()
for _ in $(seq "$runs"); do
  cmds+=(
    --prepare "$work/prep.sh $work/tpl-bare $work/v cold" --command-name "pyshim install (cold cache)"
    "$work/pyshim install -q --venv $work/v -i $index $packages"
    --prepare "$work/prep.sh $work/tpl-bare $work/w" --command-name "pyshim install (warm cache)"
    "$work/pyshim install -q --venv $work/w -i $index $packages"
    --prepare "$work/prep.sh $work/tpl-pip $work/p" --command-name "pip install --no-compile"
    "$work/p/bin/python -m pip install -q --no-compile -i $index $packages"
    --prepare "$work/prep.sh $work/tpl-bare $work/fw" --command-name "floor warm: cp -al site-packages"
    "cp -al $work/done/$site_rel/. $work/fw/$site_rel/"
    --prepare "$work/prep.sh $work/tpl-bare $work/fc" --command-name "floor cold: unzip -P2"
    "xargs -a $work/wheels.txt -P2 -n1 unzip -q -o -d $work/fc/$site_rel"
  )
done
hyperfine -N --runs 1 --export-json "$work/h.json" "${cmds[@]}" >/dev/null

python3 "$root/bench/summary.py" "$work/h.json" \
  "pyshim install (warm cache) / pip install --no-compile <= 0.05" \
  "pyshim install (warm cache) / floor warm: cp -al site-packages <= 2" \
  "pyshim install (cold cache) / pip install --no-compile <= 0.20" \
  "pyshim install (cold cache) / floor cold: unzip -P2 <= 2"
