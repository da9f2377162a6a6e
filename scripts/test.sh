#!/usr/bin/env bash
# Every test: installs what is missing, builds (release), runs the whole CTest
# suite (unit, integration, seed interop, bench smoke, containers), then the
# unit and integration tests again under AddressSanitizer + UBSan (the asan
# preset leaves out the interop, bench and containers labels).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
ctest --preset release
if [ "${BATON_SKIP_ASAN:-0}" != 1 ]; then
  cmake --preset asan
  cmake --build --preset asan
  ctest --preset asan
fi
