#!/usr/bin/env sh
# Build pyshim, pyshim-install, pyshim-plugins and the shim binary
# pyshim-exec (build.sh), install the four side by side to
# ${PREFIX:-$HOME/.local}/bin, and make the shims directory ($XDG_DATA_HOME/pyshim/shims: python, python3,
# python3.X, pip…, each a link to pyshim-exec). Then prints the line that
# puts the shims on PATH.
set -eu
cd "$(dirname "$0")"
prefix=${PREFIX:-$HOME/.local}
./build.sh "$prefix/bin"
echo "installed $prefix/bin/pyshim, $prefix/bin/pyshim-install, $prefix/bin/pyshim-plugins and $prefix/bin/pyshim-exec"
"$prefix/bin/pyshim" shims install
