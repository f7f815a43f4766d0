#!/usr/bin/env bash
# Benchmark `pyshim which`: a cold resolution (empty caches, every plugin
# started) and a warm one (info cache filled), beside the peers measured in
# the same run: running the interpreter directly, and pyenv's own
# `pyenv which`. Also prints each plugin's start and call cost.
#
# usage: bench/which.sh [REQUEST]   (default 3.12; needs hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
req=${1:-3.12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./build.sh "$work"
export XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
py=$("$work/pyshim" which "$req")
echo "request $req -> $py"

# One --prepare per command, in order: the cold runs start with no cache.
hyperfine -N --warmup 3 --runs 40 --export-json "$work/h.json" \
  --prepare true --command-name "direct: $py -S -c pass" "$py -S -c pass" \
  --prepare true --command-name "pyenv which python (pyenv's own resolver)" \
    "env PYENV_VERSION=$(basename "$(dirname "$(dirname "$py")")") /root/.pyenv/libexec/pyenv which python" \
  --prepare "rm -rf $work/cache" --command-name "pyshim which (cold: all plugins)" "$work/pyshim which $req" \
  --prepare "rm -rf $work/cache" --command-name "pyshim which --json (cold: plugins + info query)" "$work/pyshim which --json $req" \
  --prepare true --command-name "pyshim which --json (warm info cache)" "$work/pyshim which --json $req" \
  >/dev/null

python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["mean"]
print(f"{'command':55} {'mean ms':>8} {'±':>6} {'x direct':>9}")
for x in r:
    print(f"{x['command'][:55]:55} {x['mean']*1000:8.2f} {x['stddev']*1000:6.2f} {x['mean']/base:9.2f}")
PY

echo
echo "plugin start + call cost (median of 15 runs of pyshim plugins --json):"
for i in $(seq 15); do "$work/pyshim" plugins --json; done | python3 -c '
import json, sys, statistics
dec = json.JSONDecoder(); s = sys.stdin.read(); i = 0; runs = []
while i < len(s):
    while i < len(s) and s[i].isspace(): i += 1
    if i >= len(s): break
    obj, i = dec.raw_decode(s, i); runs.append(obj)
names = [p["name"] for p in runs[0]]
for n in names:
    st = [p["start_ms"] for r in runs for p in r if p["name"] == n]
    ca = [p["call_ms"] for r in runs for p in r if p["name"] == n]
    print(f"  {n:8} start {statistics.median(st):6.1f} ms   call {statistics.median(ca):6.1f} ms")
'
