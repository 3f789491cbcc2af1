#!/usr/bin/env bash
# Builds the fuzz preset (clang-19, libFuzzer + ASan + UBSan) and runs every fuzz_* target in
# build/fuzz/tests/fuzz/ for FUZZ_SECONDS each, one after another (one core at a time: the
# machine is shared). Each target fuzzes a temporary copy of tests/fuzz/corpus/<target>/, so the
# committed corpus never changes. Prints one summary line per target; exits 1 if any target
# crashed, leaked, timed out or ran out of memory (inputs are kept in build/fuzz/findings/).
#
# Usage: scripts/run-fuzzers.sh [target...]     (from any directory; default: all targets)
# Environment:
#   FUZZ_SECONDS=20   seconds per target
#   FUZZ_JOBS=2       parallel jobs for the build (never more than the machine's 2 cores)
#   KEEP_CORPUS=1     keep the grown temporary corpora (path printed at the end)
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

fuzz_seconds=${FUZZ_SECONDS:-20}
build_jobs=${FUZZ_JOBS:-2}
build_dir=build/fuzz
findings_dir=$repo_root/$build_dir/findings

die() { echo "run-fuzzers: error: $*" >&2; exit 2; }
note() { echo "run-fuzzers: $*" >&2; }

[[ "$fuzz_seconds" =~ ^[0-9]+$ && "$fuzz_seconds" -gt 0 ]] ||
  die "FUZZ_SECONDS must be a positive integer (got '$fuzz_seconds')"
command -v cmake >/dev/null || die "cmake is required"
command -v clang++-19 >/dev/null || die "clang++-19 is required (apt-get install clang-19 libclang-rt-19-dev)"

work=$(mktemp -d "${TMPDIR:-/tmp}/parthenon-fuzz.XXXXXX")
if [[ -n "${KEEP_CORPUS:-}" ]]; then
  trap 'note "grown corpora kept in $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

note "configuring and building the fuzz preset (-j$build_jobs)"
cmake --preset fuzz >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; die "cmake --preset fuzz failed"; }
cmake --build --preset fuzz --target fuzzers -j"$build_jobs" >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log" >&2; die "cmake --build --preset fuzz failed (log above)"; }

targets=()
if (( $# > 0 )); then
  for name in "$@"; do
    [[ -x "$build_dir/tests/fuzz/$name" ]] || die "no fuzz target $build_dir/tests/fuzz/$name"
    targets+=("$build_dir/tests/fuzz/$name")
  done
else
  shopt -s nullglob
  for program in "$build_dir"/tests/fuzz/fuzz_*; do
    [[ -f "$program" && -x "$program" ]] && targets+=("$program")
  done
  shopt -u nullglob
fi
(( ${#targets[@]} > 0 )) || die "no fuzz_* executables in $build_dir/tests/fuzz"

failed=0
summary=()
for program in "${targets[@]}"; do
  name=$(basename "$program")
  corpus="$work/$name/corpus"
  artifacts="$work/$name/artifacts"
  mkdir -p "$corpus" "$artifacts"
  if [[ -d tests/fuzz/corpus/$name ]]; then
    cp -r "tests/fuzz/corpus/$name/." "$corpus/"
  else
    note "warning: tests/fuzz/corpus/$name does not exist; $name starts from an empty corpus"
  fi
  note "fuzzing $name for ${fuzz_seconds}s"
  start=$(date +%s)
  status=0
  # The outer timeout only guards against a hung target; libFuzzer stops itself at max_total_time.
  timeout --kill-after=10 $((fuzz_seconds + 120)) "$program" \
    -max_total_time="$fuzz_seconds" -max_len=1048576 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$work/$name.log" 2>&1 ||
    status=$?
  seconds=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log" | tail -1)
  shopt -s nullglob
  found=("$artifacts"/*)
  shopt -u nullglob
  if (( status == 0 && ${#found[@]} == 0 )); then
    result="ok"
  else
    failed=1
    mkdir -p "$findings_dir/$name"
    cp "$work/$name.log" "$findings_dir/$name/"
    (( ${#found[@]} > 0 )) && cp "${found[@]}" "$findings_dir/$name/"
    result="FAILED (exit $status): ${#found[@]} input(s) and the log in $findings_dir/$name/"
    # The first lines that say what went wrong, for the operator reading this output.
    grep -m3 -E 'ERROR:|violated|runtime error' "$work/$name.log" | sed "s/^/  $name: /" >&2 || true
  fi
  summary+=("$(printf '%-22s execs=%-10s seconds=%-5s %s' "$name" "${execs:-?}" "$seconds" "$result")")
done

echo
echo "fuzz summary (${fuzz_seconds}s per target):"
printf '%s\n' "${summary[@]}"
if (( failed )); then
  echo "reproduce a finding with: $build_dir/tests/fuzz/<target> <input file>"
  exit 1
fi
