#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset: clang-14, ASan + UBSan) and runs
# each fuzz/*_fuzz.cpp, one after the other, on a copy of its seed corpus
# fuzz/corpus/<name>/ for the given seconds (default 60). Fails on any crash,
# leak, timeout, out-of-memory or sanitizer report; the input that caused it
# is kept in build/fuzz/findings/. docs/FUZZING.md.
#
#   scripts/fuzz.sh [seconds-per-target [libFuzzer flags...]]
#
# e.g. scripts/fuzz.sh 3600 -runs=10000000 -max_len=1280 (the long run)
# BATON_FUZZ_ONLY="v1_codec log_escape"   run only these targets
# BATON_FUZZ_KEEP=DIR keep each target's grown corpus and log in DIR/<name>/
#
# Exit 77: clang-14 or libFuzzer is missing and could not be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true

# The same idempotent check as install-deps.sh, for what only fuzzing needs:
# the compiler, libFuzzer and the sanitizer runtimes (libclang-rt-14-dev),
# and llvm-symbolizer for readable stack traces (llvm-14).
pkgs=(clang-14 libclang-rt-14-dev llvm-14)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    echo "fuzz: apt-get could not install ${missing[*]}"
fi
if ! command -v clang++-14 >/dev/null ||
   ! compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null; then
  echo "fuzz: SKIPPED: clang-14 with libFuzzer is not installed and could not be installed"
  exit 77
fi

start=$(date +%s)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
echo "fuzz: built in $(( $(date +%s) - start )) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings=build/fuzz/findings
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=()
summary=()
for source in fuzz/*_fuzz.cpp; do
  fuzzer=$(basename "$source" .cpp)
  name=${fuzzer%_fuzz}
  if [ -n "${BATON_FUZZ_ONLY:-}" ] && [[ " $BATON_FUZZ_ONLY " != *" $name "* ]]; then continue; fi
  dir=$work/$name
  mkdir -p "$dir/corpus"
  # A copy: the run adds what it finds, and the repository keeps the seeds.
  [ -d "fuzz/corpus/$name" ] && cp -R "fuzz/corpus/$name/." "$dir/corpus/"
  seeds=$(find "$dir/corpus" -type f | wc -l)
  args=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$dir/")
  args+=("$@")
  echo "fuzz: $fuzzer for up to ${secs} s from $seeds seeds${*:+ ($*)}"
  rc=0
  t0=$(date +%s)
  "build/fuzz/fuzz/$fuzzer" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  took=$(( $(date +%s) - t0 ))

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
  # libFuzzer's last status line: "#N DONE cov: C ft: F corp: U/S lim: L exec/s: E rss: R"
  stats=$(sed -n '/^#[0-9]*[[:space:]]*DONE/s/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([^ ]*\) .* exec\/s: \([0-9]*\) .*/\4\/s, cov \1, ft \2, corpus \3/p' "$dir/log" | tail -1)
  line="$fuzzer: ${execs:-?} executions in $took s, ${stats:-no final stats}"
  artifacts=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
              -o -name 'oom-*' \))
  if [ "$rc" != 0 ] || [ -n "$artifacts" ] ||
     grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|property violated' "$dir/log"; then
    mkdir -p "$findings"
    for a in $artifacts; do cp "$a" "$findings/${fuzzer}-$(basename "$a")"; done
    cp "$dir/log" "$findings/$fuzzer.log"
    echo "fuzz: FAILED $fuzzer (exit $rc); log and inputs in $findings/:"
    grep -E 'ERROR:|runtime error:|property violated|SUMMARY' "$dir/log" | head -20 || true
    tail -n 30 "$dir/log"
    failed+=("$fuzzer")
    line="$line  FAILED"
  fi
  summary+=("$line")
  echo "fuzz: $line"
  if [ -n "${BATON_FUZZ_KEEP:-}" ]; then
    mkdir -p "$BATON_FUZZ_KEEP/$name" && cp -R "$dir/." "$BATON_FUZZ_KEEP/$name/"
  fi
done

echo "fuzz: summary (${secs} s per target, $(( $(date +%s) - start )) s in all)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
