#!/usr/bin/env bash
# Benchmark `pyshim venv` against its peers and the physical floor, all
# measured interleaved in ONE hyperfine invocation:
#   pyshim venv (warm caches)     vs  python3.11 -m venv --without-pip
#                                 vs  virtualenv --no-seed
#                                 vs  the floor: `cp -a` of a finished venv
#   pyshim venv --seed            vs  python3.11 -m venv (with pip)
#                                 vs  the floor: `cp -al` of a finished seeded venv
#                                     (pyshim links pip's files from its cache, so a
#                                     copy by hard links is the comparable floor)
#   (warm caches; an empty wheel cache; and first-ever: no pyshim cache at
#   all, so the interpreter is queried too; that one runs with its own
#   XDG_CACHE_HOME, by env(1), so that it leaves the others' caches alone)
# Every timed run gets its target made beforehand by --prepare (nothing is
# deleted inside a timed run), and the summary prints the ratios to the
# peers and the floors (goals: venv <= 0.10x `python -m venv --without-pip`
# and <= 2x its floor; first-ever --seed <= 1/15 of `python -m venv`).
#
# Run it on a quiet file system: ext4 without a journal (this machine's)
# skips, on every inode allocation, each free inode deleted in the last 60 s
# (360 s while its inode table block is dirty), one lookup each, so right
# after a test run or an `rm -rf` of many files every mkdir of pyshim, of
# the peers and of the floors costs several times more (perf: up to a fifth
# of a warm install's CPU in find_inode_bit/recently_deleted). Wait ~6
# minutes after deleting many files. The trash of this script goes at exit.
#
# usage: bench/venv.sh [PYTHON]   (default: pyenv's 3.11.7; needs hyperfine,
# and virtualenv for that peer: Debian's `virtualenv` package; run with
# TMPDIR on a disk, e.g. /work/benchtmp)   RUNS=15
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-15}
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

# The floors: a finished venv (and a finished seeded venv) to copy.
"$work/pyshim" venv -p "$py" done 2>/dev/null
"$work/pyshim" venv --seed -p "$py" done-seed 2>/dev/null
# They changed the trust list: let the cached resolution be written again.
sleep 2.1
"$work/pyshim" venv -p "$py" v 2>/dev/null
"$work/aside" v

# pyshim --version is the start-up floor: the binary's start (runtime and
# package init) before any venv work. One hyperfine invocation, --runs 1
# per command and the commands repeated round after round: noise from
# other jobs falls on all of them alike. Round 1 is a warm-up (page cache)
# and left out of the summary.
cmds=()
for _ in $(seq $((runs + 1))); do
  cmds+=(
    --prepare true --command-name "pyshim --version (start-up)" "$work/pyshim --version"
    --prepare "$work/aside $work/v" --command-name "pyshim venv" "$work/pyshim venv -p $py v"
    --prepare "$work/aside $work/c" --command-name "floor: cp -a venv" "cp -a $work/done c"
    --prepare "$work/aside $work/r" --command-name "python -m venv --without-pip" "$py -m venv --without-pip r"
  )
  if command -v virtualenv >/dev/null; then
    cmds+=(--prepare "$work/aside $work/e" --command-name "virtualenv --no-seed" "virtualenv -q --no-seed -p $py e")
  fi
  # --seed links pip from pyshim's wheel cache, where the first seed unpacks
  # it (the warm-up runs do); the cold case empties that cache first.
  cmds+=(
    --prepare "$work/aside $work/s" --command-name "pyshim venv --seed" "$work/pyshim venv --seed -p $py s"
    --prepare "$work/aside $work/s $XDG_CACHE_HOME/pyshim/wheels-v2" --command-name "pyshim venv --seed (empty wheel cache)" "$work/pyshim venv --seed -p $py s"
    --prepare "$work/aside $work/s $work/cache-first" --command-name "pyshim venv --seed (first-ever)" "env XDG_CACHE_HOME=$work/cache-first $work/pyshim venv --seed -p $py s"
    --prepare "$work/aside $work/cs" --command-name "floor: cp -al seeded venv" "cp -al $work/done-seed cs"
    --prepare "$work/aside $work/p" --command-name "python -m venv (with pip)" "$py -m venv p"
  )
done
command -v virtualenv >/dev/null || echo "note: virtualenv is not installed (Debian: apt-get install virtualenv); that peer is skipped"
echo "interpreter: $py"
hyperfine -N --runs 1 --export-json "$work/h.json" "${cmds[@]}" >/dev/null

python3 "$root/bench/summary.py" --unit ms --skip-rounds 1 "$work/h.json" \
  "pyshim venv / python -m venv --without-pip <= 0.10" \
  "pyshim venv / virtualenv --no-seed <= 0.10" \
  "pyshim venv / floor: cp -a venv <= 2" \
  "pyshim venv / pyshim --version (start-up) <= 0" \
  "pyshim venv --seed / python -m venv (with pip) <= 0.0667" \
  "pyshim venv --seed (empty wheel cache) / python -m venv (with pip) <= 0.0667" \
  "pyshim venv --seed (first-ever) / python -m venv (with pip) <= 0.0667" \
  "pyshim venv --seed / floor: cp -al seeded venv <= 0"
