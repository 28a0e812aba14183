#!/usr/bin/env bash
# Build the real network clients the tests drive (tests/clients/*) as OUTDIR/<name>.
#
#   tests/clients/build.sh OUTDIR
#
# Offline, GOPATH mode, against Debian's Go libraries in /usr/share/gocode
# (golang-github-fluent-fluent-logger-golang-dev). A client is rebuilt only when a .go
# file in its directory (or this script) is newer than the binary.
set -euo pipefail
if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
outdir="$(cd "$1" && pwd)"
if [ ! -f /usr/share/gocode/src/github.com/fluent/fluent-logger-golang/fluent/fluent.go ]; then
    echo 'build.sh: missing fluent-logger-golang; install with: apt-get install golang-github-fluent-fluent-logger-golang-dev' >&2
    exit 1
fi
export GO111MODULE=off GOFLAGS= GOPATH=/usr/share/gocode CGO_ENABLED=0
export GOCACHE="$outdir/.gocache" GOTMPDIR="$outdir/.gotmp"
mkdir -p "$GOCACHE" "$GOTMPDIR"
cd "$here"
for dir in */; do
    name="${dir%/}"
    bin="$outdir/$name"
    if [ -f "$bin" ] && [ -z "$(find "$here/$name" "$here/build.sh" -name '*.go' -newer "$bin" -o -name build.sh -newer "$bin" | head -1)" ]; then
        continue
    fi
    tmp="$(mktemp -d "$GOTMPDIR/$name.XXXXXX")"
    go build -o "$tmp/$name" "./$name"
    mv -f "$tmp/$name" "$bin"
    rm -rf "$tmp"
done
