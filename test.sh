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
# The generated protocol code must match the .proto (needs protoc).
if command -v protoc >/dev/null; then
  go generate ./plugins/sdk/pb
  git diff --exit-code -- plugins/sdk/pb
fi
go test -race ./resolver/... ./shim/ ./install/... ./internal/fsutil/
go test -count=1 -timeout 80m ./...
