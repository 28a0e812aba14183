#!/usr/bin/env bash
# Build every Go test plugin (tests/plugins/out_* and in_*) as OUTDIR/<name>.so.
#
#   tests/plugins/build.sh OUTDIR
#
# Offline, GOPATH mode: our own github.com/fluent/fluent-bit-go/output lives in
# tests/plugins/gopath, the ugorji codec comes from Debian's
# golang-github-ugorji-go-codec-dev (/usr/share/gocode). legacy_* plugins build
# in GOPATH mode against gopath-legacy (a pre-2023 decoder, no build info);
# modlegacy_* build in module mode (their go.mod requires an old fluent-bit-go
# pseudo-version, replaced by gopath-legacy, so the build info keeps it). A plugin is rebuilt
# only when a .go/.h file in its directory or in gopath/ (or this script) is
# newer than its .so.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
debian_gocode=/usr/share/gocode
mkdir -p "$1"
outdir="$(cd "$1" && pwd)"

missing=()
command -v go >/dev/null 2>&1 || missing+=("go (the Go toolchain)")
command -v gcc >/dev/null 2>&1 || missing+=("gcc (needed by cgo)")
[ -f "$debian_gocode/src/github.com/ugorji/go/codec/msgpack.go" ] ||
    missing+=("the ugorji codec ($debian_gocode/src/github.com/ugorji/go/codec)")
if [ ${#missing[@]} -gt 0 ]; then
    printf 'build.sh: missing: %s\n' "${missing[@]}" >&2
    echo 'build.sh: install with: apt-get install golang-go golang-github-ugorji-go-codec-dev gcc' >&2
    exit 1
fi

export GO111MODULE=off
export GOPATH="$here/gopath:$debian_gocode"
export GOCACHE="$outdir/.gocache"
export GOTMPDIR="$outdir/.gotmp"
export CGO_ENABLED=1
export GOFLAGS=
mkdir -p "$GOCACHE" "$GOTMPDIR"

# A plugin depends on its own directory, on gopath/ and on this script.
stale() {
    local so="$outdir/$1.so"
    [ -f "$so" ] || return 0
    [ -n "$(find "$here/$1" "$here/gopath" "$here/build.sh" \
        "$here/gopath-legacy" "$here/calyptia-sdk" \( -name '*.go' -o -name '*.h' -o -name '*.c' -o -name go.mod -o -name build.sh \) -newer "$so" -print -quit)" ]
}

# Build in a private directory, then rename: a process that has the old .so
# mapped keeps a consistent file, and concurrent runs cannot collide.
build_one() {
    local tmp
    tmp="$(mktemp -d "$GOTMPDIR/$1.XXXXXX")"
    if build_mode "$1" "$tmp"; then
        mv -f "$tmp/$1.so" "$outdir/$1.so"
        rm -rf "$tmp"
    else
        rm -rf "$tmp"
        echo "build.sh: building $1 failed" >&2
        return 1
    fi
}

build_mode() {
    case "$1" in
    legacy_*)
        GOPATH="$here/gopath-legacy:$debian_gocode" go build -buildmode=c-shared -o "$2/$1.so" "./$1"
        ;;
    calyptia_*)
        # Module mode against our stand-in for Calyptia's SDK (calyptia-sdk/), offline.
        module_build "$1" "$2" -replace="github.com/calyptia/plugin=$here/calyptia-sdk"
        ;;
    modlegacy_*)
        module_build "$1" "$2" -replace="github.com/fluent/fluent-bit-go=$here/gopath-legacy/src/github.com/fluent/fluent-bit-go"
        ;;
    out_version)
        # Two builds of one plugin (the Remove-AgentPlugin rebuild test): version 1 and version 2.
        go build -buildmode=c-shared -o "$2/$1.so" "./$1" &&
            go build -buildmode=c-shared -ldflags "-X main.version=2" -o "$2/${1}2.so" "./$1" &&
            mv -f "$2/${1}2.so" "$outdir/${1}2.so"
        ;;
    *)
        go build -buildmode=c-shared -o "$2/$1.so" "./$1"
        ;;
    esac
}

# Module mode, offline: builds a copy of plugin $1 in $2 whose replaces point at local
# directories (the ugorji codec from Debian, and the SDK replace given as $3).
module_build() {
    local codec="$2/ugorji-codec"
    mkdir -p "$codec"
    cp "$debian_gocode"/src/github.com/ugorji/go/codec/*.go "$codec/"
    printf 'module github.com/ugorji/go/codec\n\ngo 1.19\n' >"$codec/go.mod"
    cp -r "$here/$1" "$2/src"
    (cd "$2/src" &&
        GO111MODULE=on GOPROXY=off GOSUMDB=off \
            go mod edit -replace="github.com/ugorji/go/codec=$codec" "$3" &&
        GO111MODULE=on GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off go build -buildmode=c-shared -o "$2/$1.so" .)
}

cd "$here"
todo=()
skipped=0
for dir in out_*/ in_*/ legacy_*/ modlegacy_*/ calyptia_*/; do
    [ -d "$dir" ] || continue
    name="${dir%/}"
    if stale "$name"; then todo+=("$name"); else skipped=$((skipped + 1)); fi
done

# The first build fills the Go cache (runtime, cgo, codec); the rest are
# mostly linking and run up to nproc at once.
if [ ${#todo[@]} -gt 0 ]; then
    build_one "${todo[0]}"
fi
jobs_max="$(nproc 2>/dev/null || echo 2)"
pids=()
for name in "${todo[@]:1}"; do
    while [ "$(jobs -pr | wc -l)" -ge "$jobs_max" ]; do sleep 0.2; done
    build_one "$name" &
    pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
if [ "$failed" -ne 0 ]; then
    echo "build.sh: some plugins failed to build" >&2
    exit 1
fi
echo "build.sh: ${#todo[@]} built, $skipped up to date in $outdir"
