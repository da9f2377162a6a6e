#!/usr/bin/env bash
# cmake --install the build into a temporary prefix, then build and run a
# separate project that uses find_package(baton) and baton::client.
set -euo pipefail
build_dir=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null
test -x "$tmp/prefix/bin/baton-server" && test -x "$tmp/prefix/bin/baton-client" && test -x "$tmp/prefix/bin/baton-journal"
cmake -S "$here/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" >/dev/null
"$tmp/build/app"
