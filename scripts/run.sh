#!/usr/bin/env bash
# Quick-start command 1: installs what is missing, builds the release preset and runs the main
# job. Until the node exists (later issues), the main job is the performance table of what exists,
# each number next to this machine's hardware limit measured in the same run.
# Usage: scripts/run.sh   (from anywhere; as root on a fresh Debian 12 machine)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
exec scripts/bench-table.sh "$@"
