#!/usr/bin/env bash
# Installs the Debian packages Parthenon builds and tests with (DESIGN.md §1 and §2).
# Idempotent: installs only what is missing and prints nothing when everything is present.
# Usage: scripts/install-deps.sh        (as root, or with sudo available)
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config
  clang-19 libclang-rt-19-dev llvm-19
  # libraries of DESIGN.md §1
  libasio-dev libssl-dev libsecp256k1-dev librocksdb-dev
  libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libmaxminddb-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # openssl CLI for the benchmark table's hardware-limit readings
  openssl python3 curl
  # promtool (checks /metrics in tests/functional/metrics_promtool_test.sh)
  prometheus
  # the network lab and chaos suite (tests/lab): namespaces, tc, nft; gnuplot draws the propagation plot
  iproute2 nftables gnuplot-nox
  # Debian package: man pages from --help, shared-library dependencies of the binaries
  help2man dpkg-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
