#!/usr/bin/env bash
# Every test: installs what is missing, builds (release), runs the whole CTest
# suite (unit, integration, seed interop, bench smoke, containers), then the
# unit and integration tests again under AddressSanitizer + UBSan (the asan
# preset leaves out the interop, bench and containers labels), then each
# libFuzzer target for BATON_FUZZ_SECONDS (15) seconds (docs/FUZZING.md).
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
if [ "${BATON_SKIP_FUZZ:-0}" != 1 ]; then
  # A short bound: this catches a parser change that breaks a property on the
  # seeds or near them; the long runs are done by hand (docs/FUZZING.md).
  rc=0
  bash scripts/fuzz.sh "${BATON_FUZZ_SECONDS:-15}" || rc=$?
  if [ "$rc" = 77 ]; then
    echo "test.sh: fuzzing SKIPPED: clang-14/libFuzzer could not be installed"
  elif [ "$rc" != 0 ]; then
    exit "$rc"
  fi
fi
