#!/usr/bin/env bash
# pyshim's test suite: formatting, vet, staticcheck, and the tests (with
# the race detector on the packages that run things concurrently).
set -euo pipefail
cd "$(dirname "$0")"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go tool staticcheck ./...
# pyshim as build.sh builds it: without the package commands.
go vet -tags pyshimlight ./cmd/pyshim ./internal/cli
go tool staticcheck -tags pyshimlight ./cmd/pyshim ./internal/cli
# The generated protocol code must match the .proto (needs protoc).
if command -v protoc >/dev/null; then
  go generate ./plugins/sdk/pb
  git diff --exit-code -- plugins/sdk/pb
fi
go test -race ./resolver/... ./shim/ ./install/... ./internal/fsutil/
go test -count=1 -timeout 80m ./...
# Every parser's fuzz target, a few seconds each from its committed seed
# corpus (testdata/fuzz/NAME); FUZZTIME=60s for a longer run. go test
# -fuzz takes one package and one target at a time.
for t in install/pep440:FuzzParseVersion install/pep440:FuzzParseSpecifier \
  install/pep508:FuzzParseRequirement install/pep508:FuzzParseMarker \
  install/index:FuzzParseMetadata install/index:FuzzParseHTML install/index:FuzzParseJSON install/inflate:FuzzDecode \
  install/reqfile:FuzzParse install/pyproject:FuzzParse install/wheel:FuzzParseFilename install/wheel:FuzzParseRecord install/wheel:FuzzFormatRecord \
  resolver:FuzzParseRequest resolver/versionfile:FuzzParsePythonVersion shim:FuzzDecode \
  plugins/sdk/interp:FuzzParseVersion plugins/sdk/interp:FuzzParsePyvenvCfg \
  plugins/nix:FuzzParseShellWrapper plugins/nix:FuzzParseMakeCWrapper config:FuzzParse \
  examples/pyshim-plugin-uv:FuzzParseInstallName; do
  out=$(go test -run '^$' -fuzz "^${t#*:}\$" -fuzztime "${FUZZTIME:-3s}" "./${t%%:*}" 2>&1) ||
    { printf '%s\n' "$out"; echo "fuzz ${t#*:} (./${t%%:*}) failed; the input is in ./${t%%:*}/testdata/fuzz"; exit 1; }
done
