#!/usr/bin/env sh
# Build pyshim, pyshim-plugins (the plugin host: go-plugin and gRPC, kept
# out of pyshim so that it starts fast) and the shim binary pyshim-exec,
# install the three side by side to ${PREFIX:-$HOME/.local}/bin, and make the shims directory
# ($XDG_DATA_HOME/pyshim/shims: python, python3, python3.X, pip…, each a
# link to pyshim-exec). Then prints the line that puts the shims on PATH.
set -eu
cd "$(dirname "$0")"
prefix=${PREFIX:-$HOME/.local}
mkdir -p "$prefix/bin"
go build -trimpath -o "$prefix/bin/pyshim.tmp" ./cmd/pyshim
go build -trimpath -o "$prefix/bin/pyshim-plugins.tmp" ./cmd/pyshim-plugins
# The shim starts on every python call: static, stripped, standard library only.
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$prefix/bin/pyshim-exec.tmp" ./cmd/pyshim-exec
mv "$prefix/bin/pyshim-plugins.tmp" "$prefix/bin/pyshim-plugins"
mv "$prefix/bin/pyshim.tmp" "$prefix/bin/pyshim"
mv "$prefix/bin/pyshim-exec.tmp" "$prefix/bin/pyshim-exec"
echo "installed $prefix/bin/pyshim, $prefix/bin/pyshim-plugins and $prefix/bin/pyshim-exec"
"$prefix/bin/pyshim" shims install
