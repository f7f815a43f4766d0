#!/usr/bin/env sh
# Build pyshim and install it to ${PREFIX:-$HOME/.local}/bin.
set -eu
cd "$(dirname "$0")"
prefix=${PREFIX:-$HOME/.local}
mkdir -p "$prefix/bin"
go build -trimpath -o "$prefix/bin/pyshim.tmp" ./cmd/pyshim
mv "$prefix/bin/pyshim.tmp" "$prefix/bin/pyshim"
echo "installed $prefix/bin/pyshim"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "add it to PATH:  export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
