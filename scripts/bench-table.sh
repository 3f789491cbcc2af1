#!/usr/bin/env bash
# Prints Parthenon's performance table: every Google Benchmark program in build/release/bench/,
# the memory per idle peer of a running daemon (bench/idle_peer_memory.py: 125 handshaken
# loopback peers), and, where ../shared/tools/limits exists, the hardware limits measured in the
# same run and the ratio of each benchmark to its limit. Each row shows the benchmark's own
# counter (blocks/s, MB/s, ms per hop, KiB per peer...). Takes about 5 minutes on the project's
# 2-core machine.
#
# Usage: scripts/bench-table.sh            (from any directory)
# Environment:
#   BENCH_REPS=3       repetitions per benchmark (the table shows the median)
#   BENCH_MIN_TIME=0.5 seconds each repetition runs at least
#   BENCH_FILTER=      regex passed as --benchmark_filter (default: all)
#   LIMITS_REPS=3      repetitions of each limits script (their median is used)
#   LIMITS_QUIET=1     let each limits repetition wait (up to 10 s) for an idle machine
#   SKIP_LIMITS=1      do not measure hardware limits (table without limit columns)
#   PARTHENON_SHARED_DIR  the shared folder (default: <repo>/../shared)
#   KEEP_RESULTS=1     keep the temporary folder with raw JSON and limits logs
#
# Numbers are only comparable on an otherwise idle machine: the load average is printed next to
# them. Never run this while a build is using the cores if you mean to quote the numbers.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

bench_reps=${BENCH_REPS:-3}
bench_min_time=${BENCH_MIN_TIME:-0.5}
bench_filter=${BENCH_FILTER:-}
limits_reps=${LIMITS_REPS:-3}
shared_dir=${PARTHENON_SHARED_DIR:-$repo_root/../shared}
build_dir=build/release

die() { echo "bench-table: error: $*" >&2; exit 1; }
note() { echo "bench-table: $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Percent of CPU time idle over one second: while none of our programs runs, what the rest of
# the machine leaves us. (The load average lags a minute and counts our own limit runs.)
idle_percent() {
  local a b c d e f g h tot1 idle1 tot2 idle2
  read -r _ a b c d e f g h _ </proc/stat; tot1=$((a + b + c + d + e + f + g + h)); idle1=$((d + e))
  sleep 1
  read -r _ a b c d e f g h _ </proc/stat; tot2=$((a + b + c + d + e + f + g + h)); idle2=$((d + e))
  echo $((100 * (idle2 - idle1) / (tot2 - tot1)))
}

command -v python3 >/dev/null || die "python3 is required to read the benchmark JSON"
command -v cmake >/dev/null || die "cmake is required to build the release preset"

work=$(mktemp -d "${TMPDIR:-/tmp}/parthenon-bench.XXXXXX")
if [[ -n "${KEEP_RESULTS:-}" ]]; then
  trap 'note "raw results kept in $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

# --- 1. Build (a no-op when up to date). -j2: the machine's cores are shared.
if [[ ! -f "$build_dir/build.ninja" ]]; then
  note "configuring the release preset"
  cmake --preset release >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; die "cmake --preset release failed"; }
fi
note "building the release preset"
cmake --build --preset release -j2 >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log" >&2; die "cmake --build --preset release failed (log above)"; }

shopt -s nullglob
bench_programs=("$build_dir"/bench/bench_*)
shopt -u nullglob
(( ${#bench_programs[@]} > 0 )) || die "no bench_* programs in $build_dir/bench (PARTHENON_BUILD_BENCH=OFF?)"

# --- 2. Hardware limits, measured now so the ratios compare like with like.
limits_dir=""
limits_note=""
idle_limits=-1
if [[ -n "${SKIP_LIMITS:-}" ]]; then
  limits_note="SKIP_LIMITS is set"
elif [[ ! -d "$shared_dir/tools/limits" ]]; then
  limits_note="$shared_dir/tools/limits not found (set PARTHENON_SHARED_DIR)"
else
  # The limits scripts write next to themselves, and the shared copy is read-only.
  cp -r "$shared_dir/tools/limits" "$work/limits"
  chmod -R u+w "$work/limits"
  mkdir -p "$work/limits/results"
  note "building the hardware-limit programs"
  # build.sh stops at the first program whose library is missing (e.g. LevelDB, which only the
  # key-value section needs): bin_secp_bench, bin_dsha_bench, bin_tcp_msgs and bin_tls_bulk come
  # before it; bin_fsync_lat (after it) is built here if build.sh stopped.
  "$work/limits/build.sh" >"$work/limits-build.log" 2>&1 || true
  [[ -x "$work/limits/bin_fsync_lat" ]] ||
    gcc -O2 -o "$work/limits/bin_fsync_lat" "$work/limits/src/fsync_lat.c" >>"$work/limits-build.log" 2>&1 || true
  missing=()
  for program in bin_dsha_bench bin_secp_bench; do
    [[ -x "$work/limits/$program" ]] || missing+=("$program")
  done
  command -v openssl >/dev/null || missing+=("openssl (CLI)")
  if (( ${#missing[@]} > 0 )); then
    limits_note="could not build ${missing[*]} (see $shared_dir/tools/limits/README.md for the packages)"
  else
    limits_dir="$work/limits"
    idle_limits=$(idle_percent)
    quiet_env=()
    [[ -n "${LIMITS_QUIET:-}" ]] && quiet_env=(QUIET=1 QUIET_MAX=10)
    scripts=(3_dsha.sh 2_secp.sh 1_openssl_speed.sh)
    [[ -x "$limits_dir/bin_tls_bulk" ]] && scripts+=(5_tls.sh)
    [[ -x "$limits_dir/bin_fsync_lat" ]] && scripts+=(7_fsync.sh)
    for script in "${scripts[@]}"; do
      note "measuring limits: $script (REPS=$limits_reps, load $(load))"
      env "${quiet_env[@]}" REPS="$limits_reps" "$limits_dir/$script" >"$work/$script.log" 2>&1 ||
        note "warning: $script failed; its limits will show as n/a (log: $work/$script.log)"
    done
    # Loopback TCP message rate and round trip, shorter than 4b_tcp_msgs.sh (whose three CPU
    # placements take ~40 s a repetition): the scheduler's placement only, as our benchmarks run.
    if [[ -x "$limits_dir/bin_tcp_msgs" ]]; then
      note "measuring limits: loopback TCP messages and ping-pong (REPS=$limits_reps, load $(load))"
      for _ in $(seq "$limits_reps"); do
        (cd "$limits_dir" &&
          ./bin_tcp_msgs stream 200000 64 65536 |
            awk '{split($6,a,"="); print "stream64_recvbuf64k_pin_none_msgs_per_s", a[2]}' &&
          ./bin_tcp_msgs pingpong 20000 32 |
            awk '{for(i=1;i<=NF;i++){split($i,a,"="); if(a[1]=="median") print "pingpong32_pin_none_rtt_median_us", a[2]}}') \
          >>"$limits_dir/results/tcp_msgs_short.raw" 2>>"$work/tcp_msgs.log" ||
          note "warning: bin_tcp_msgs failed; its limits will show as n/a"
      done
    fi
  fi
fi
[[ -n "$limits_note" ]] && note "no hardware limits: $limits_note"

# --- 3. Benchmarks.
idle_before=$(idle_percent)
load_before=$(load)
bench_args=(
  --benchmark_format=json
  --benchmark_repetitions="$bench_reps"
  --benchmark_report_aggregates_only=true
  --benchmark_min_time="$bench_min_time"
)
[[ -n "$bench_filter" ]] && bench_args+=(--benchmark_filter="$bench_filter")
# Benchmarks that need ../shared/vectors look there by default; follow an overridden shared dir.
[[ -d "$shared_dir/vectors" && -z "${PARTHENON_VECTORS_DIR:-}" ]] &&
  export PARTHENON_VECTORS_DIR="$shared_dir/vectors"
json_files=()
for program in "${bench_programs[@]}"; do
  name=$(basename "$program")
  note "running $name (load $(load))"
  "$program" "${bench_args[@]}" >"$work/$name.json" 2>"$work/$name.stderr" ||
    { cat "$work/$name.stderr" >&2; die "$name failed"; }
  json_files+=("$work/$name.json")
done
# Memory per idle peer: a daemon of its own, never a process that ran other benchmarks.
if [[ -z "$bench_filter" || "IdlePeerMemory" =~ $bench_filter ]]; then
  note "measuring memory per idle peer on a running parthenon-node (load $(load))"
  python3 "$repo_root/bench/idle_peer_memory.py" "$build_dir/src/apps/parthenon-node" --peers 125 \
    --repetitions "$bench_reps" >"$work/idle_peer_memory.json" 2>"$work/idle_peer_memory.stderr" ||
    { cat "$work/idle_peer_memory.stderr" >&2; die "bench/idle_peer_memory.py failed"; }
  json_files+=("$work/idle_peer_memory.json")
fi
load_after=$(load)
idle_after=$(idle_percent)

# --- 4. The table.
python3 "$repo_root/scripts/bench_table_report.py" \
  --load-before "$load_before" --load-after "$load_after" \
  --idle-limits "$idle_limits" --idle-before "$idle_before" --idle-after "$idle_after" \
  --limits-dir "$limits_dir" --limits-note "$limits_note" \
  "${json_files[@]}"
