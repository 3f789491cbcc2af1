#!/usr/bin/env bash
# Quick-start command 2: installs what is missing, builds the release preset and runs every test.
# Usage: scripts/test.sh   (from anywhere; as root on a fresh Debian 12 machine)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
ctest --preset release
