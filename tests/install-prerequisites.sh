#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: the PowerShell local tool, Pester (from
# NuGet), and Debian's Go toolchain with the ugorji codec (to build the Go test plugins).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need_apt=()
command -v go >/dev/null 2>&1 || need_apt+=(golang-go)
[ -f /usr/share/gocode/src/github.com/ugorji/go/codec/msgpack.go ] || need_apt+=(golang-github-ugorji-go-codec-dev)
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
# The network input tests drive real clients: a forward sender built from fluent-logger-golang, curl, logger, openssl.
[ -f /usr/share/gocode/src/github.com/fluent/fluent-logger-golang/fluent/fluent.go ] || need_apt+=(golang-github-fluent-fluent-logger-golang-dev)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v logger >/dev/null 2>&1 || need_apt+=(bsdutils)
# The tail input: its DB is the system's SQLite; its tests rotate files with logrotate and read the DB with sqlite3.
ldconfig -p 2>/dev/null | grep -q 'libsqlite3.so.0' || need_apt+=(libsqlite3-0)
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ] || need_apt+=(logrotate)
if [ ${#need_apt[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need_apt[@]}" >/dev/null
fi

dotnet tool restore >/dev/null
dotnet restore tests/pester/PesterRestore.csproj --packages out/nuget >/dev/null
dotnet restore tests/pester/MessagePackRestore/MessagePackRestore.csproj --packages out/nuget >/dev/null
echo "prerequisites ready: $(go version), pwsh $(dotnet pwsh -NoProfile -Command '$PSVersionTable.PSVersion.ToString()'), Pester 5.7.1"
