#!/usr/bin/env sh
# build.sh DIR: build pyshim, pyshim-plugins (the plugin host: go-plugin
# and gRPC, kept out of pyshim so that it starts fast) and the shim binary
# pyshim-exec into DIR, each through a temporary name and a rename. The
# one place for build flags: install.sh and the bench/ scripts use it.
#
# All three are static (CGO_ENABLED=0): nothing of ours needs cgo, and a
# dynamically linked pyshim spends about 1 ms of every start in ld.so.
set -eu
out=${1:?usage: build.sh DIR}
cd "$(dirname "$0")"
mkdir -p "$out"
export CGO_ENABLED=0
go build -trimpath -o "$out/pyshim.tmp" ./cmd/pyshim
go build -trimpath -o "$out/pyshim-plugins.tmp" ./cmd/pyshim-plugins
# The shim starts on every python call: stripped, standard library only.
go build -trimpath -ldflags="-s -w" -o "$out/pyshim-exec.tmp" ./cmd/pyshim-exec
for b in pyshim-plugins pyshim pyshim-exec; do
  mv "$out/$b.tmp" "$out/$b"
done
