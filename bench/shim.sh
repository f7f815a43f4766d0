#!/usr/bin/env bash
# Benchmark the shim: `python3 -S -c pass` through pyshim-exec with a warm
# cache and on a cold miss (the cache cleared before every run), beside the
# peers measured in the same hyperfine run: the same interpreter run
# directly, an exec-only static Go binary (the floor for any Go shim), and
# pyenv's bash shim. Prints each mean and its ratio to the direct run, and
# the size of the shim binary as install.sh builds it.
#
# usage: bench/shim.sh [VERSION]   (a pyenv version, default 3.11.7; needs
# hyperfine and a pyenv root at $PYENV_ROOT or /root/.pyenv, read only)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
go=$(command -v go)
version=${1:-3.11.7}
root=${PYENV_ROOT:-/root/.pyenv}
minor=${version%.*}
py=$root/versions/$version/bin/python$minor
[ -x "$py" ] || { echo "no $py" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/bin
./build.sh "$bin"
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.target=$py" -o "$bin/execonly" ./bench/execonly

export HOME=$work/home PYENV_ROOT=$root
export XDG_CACHE_HOME=$HOME/.cache XDG_CONFIG_HOME=$HOME/.config XDG_DATA_HOME=$HOME/.local/share XDG_STATE_HOME=$HOME/.local/state
shims=$XDG_DATA_HOME/pyshim/shims
export PATH=$shims:$bin:/usr/bin:/bin
unset PYSHIM_PYTHON VIRTUAL_ENV CONDA_PREFIX PYENV_VERSION
"$bin/pyshim" shims install >/dev/null
# A project pinning the version, run from a subdirectory.
mkdir -p "$work/proj/src"
echo "$minor" > "$work/proj/.python-version"
cd "$work/proj/src"
# Entries are not cached while a fingerprinted file is younger than the
# shim's racy window (2 s): make the fresh files look settled.
find "$work" -exec touch -h -d '1 hour ago' {} +
"$shims/python3" -S -c pass
PYSHIM_DEBUG=1 "$shims/python3" -S -c pass 2>&1 | grep -q 'pyshim-exec: hit' || { echo "the warm shim is not a cache hit" >&2; exit 1; }
echo "python3 in $work/proj/src -> $("$shims/python3" -c 'import sys; print(sys.executable, sys.version.split()[0])')"

hyperfine -N --warmup 5 --runs "${RUNS:-100}" --export-json "$work/h.json" \
  --prepare true --command-name "direct: $py" "$py -S -c pass" \
  --prepare true --command-name "exec-only static Go binary" "$bin/execonly -S -c pass" \
  --prepare true --command-name "pyshim shim, warm cache" "$shims/python3 -S -c pass" \
  --prepare "rm -rf $XDG_CACHE_HOME/pyshim/resolve" --command-name "pyshim shim, cold miss (cache cleared)" "$shims/python3 -S -c pass" \
  --prepare true --command-name "pyenv shim (PYENV_VERSION=$version)" "env PYENV_VERSION=$version $root/shims/python$minor -S -c pass" \
  >/dev/null

/usr/bin/python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
print(f"{'command':45} {'mean ms':>8} {'median':>7} {'±':>6} {'x direct':>9}")
for x in r:
    print(f"{x['command'][:45]:45} {x['mean']*1000:8.2f} {x['median']*1000:7.2f} {x['stddev']*1000:6.2f} {x['median']/base:9.2f}")
m = {x["command"]: x["median"] for x in r}
warm = r[2]["median"]; floor = r[1]["median"]; cold = r[3]["median"]
print(f"\nwarm shim / direct     {warm/base:.3f}  (target <= 1.15)")
print(f"warm shim - exec-only  {(warm-floor)*1000:+.2f} ms (target ~0.2 ms)")
print(f"cold miss              {cold*1000:.1f} ms (target < 60 ms)")
PY
# The shim's own cost, without python's start-up (and its noise) on top:
# a no-op static binary as the interpreter (selected with PYSHIM_PYTHON),
# direct, behind the exec-only binary, and behind the warm shim.
noop=$work/noop/python$minor
CGO_ENABLED=0 "$go" build -C "$repo" -trimpath -ldflags="-s -w" -o "$noop" ./bench/noop
CGO_ENABLED=0 "$go" build -C "$repo" -trimpath -ldflags="-s -w -X main.target=$noop" -o "$bin/execonly-noop" ./bench/execonly
find "$work/noop" "$bin" -exec touch -h -d '1 hour ago' {} +
export PYSHIM_PYTHON=$noop
"$shims/python3"
PYSHIM_DEBUG=1 "$shims/python3" 2>&1 | grep -q 'pyshim-exec: hit' || { echo "the no-op shim is not a cache hit" >&2; exit 1; }
hyperfine -N --warmup 20 --runs "${NOOP_RUNS:-1000}" --export-json "$work/n.json" \
  --command-name "no-op direct" "$noop" \
  --command-name "no-op behind exec-only" "$bin/execonly-noop" \
  --command-name "no-op behind the warm shim" "$shims/python3" >/dev/null
# perf stat's mean over many runs is steadier than hyperfine's on a busy
# machine; use it when present.
perfms() {
  perf stat -r "${NOOP_RUNS:-1000}" "$1" 2>&1 >/dev/null | awk '/seconds time elapsed/ {printf "%.4f", $1 * 1000}'
}
if command -v perf >/dev/null; then
  perf_exec=$(perfms "$bin/execonly-noop"); perf_shim=$(perfms "$shims/python3")
else
  perf_exec=0; perf_shim=0
fi
unset PYSHIM_PYTHON
/usr/bin/python3 - "$work/n.json" "$perf_exec" "$perf_shim" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print()
print(f"{'no-op interpreter':45} {'mean ms':>8} {'median':>7} {'±':>6}")
for x in r:
    print(f"{x['command']:45} {x['mean']*1000:8.3f} {x['median']*1000:7.3f} {x['stddev']*1000:6.3f}")
print(f"shim's own cost over exec-only, hyperfine median: {(r[2]['median']-r[1]['median'])*1000:+.3f} ms")
pe, ps = float(sys.argv[2]), float(sys.argv[3])
if pe:
    print(f"shim's own cost over exec-only, perf stat mean:   {ps-pe:+.3f} ms ({pe:.3f} -> {ps:.3f} ms)")
PY

size=$(stat -c %s "$bin/pyshim-exec")
echo "pyshim-exec binary     $((size / 1024)) KiB ($size bytes; target < 3 MB)"
