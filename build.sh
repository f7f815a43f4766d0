#!/usr/bin/env sh
# build.sh DIR: build pyshim, pyshim-install, pyshim-plugins and the shim
# binary pyshim-exec into DIR, each through a temporary name and a rename.
# The one place for build flags: install.sh and the bench/ scripts use it.
#
#   pyshim          the command line without the package commands (build
#                   tag pyshimlight): no HTTP/TLS stack and no installer,
#                   so that `pyshim venv`, `pyshim which`… start fast; it
#                   execs pyshim-install for install, uninstall, packages
#                   and freeze (internal/cli/packages.go)
#   pyshim-install  the whole command line, built from the same main
#   pyshim-plugins  the whole command line plus the plugin transport
#                   (go-plugin and gRPC)
#   pyshim-exec     the shim
#
# All are static (CGO_ENABLED=0): nothing of ours needs cgo, and a
# dynamically linked pyshim spends about 1 ms of every start in ld.so.
set -eu
out=${1:?usage: build.sh DIR}
cd "$(dirname "$0")"
mkdir -p "$out"
export CGO_ENABLED=0
go build -trimpath -tags pyshimlight -o "$out/pyshim.tmp" ./cmd/pyshim
go build -trimpath -o "$out/pyshim-install.tmp" ./cmd/pyshim
go build -trimpath -o "$out/pyshim-plugins.tmp" ./cmd/pyshim-plugins
# The shim starts on every python call: stripped, standard library only.
go build -trimpath -ldflags="-s -w" -o "$out/pyshim-exec.tmp" ./cmd/pyshim-exec
for b in pyshim-install pyshim-plugins pyshim pyshim-exec; do
  mv "$out/$b.tmp" "$out/$b"
done
