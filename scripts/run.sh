#!/usr/bin/env bash
# Quick-start command 1: installs what is missing, builds the release preset and runs the main
# job: the demo network (scripts/demo.sh): five regtest daemons on loopback, blocks and a payment
# propagating, a late node syncing, a summary table, clean shutdown.
# Usage: scripts/run.sh [--keep]   (from anywhere; as root on a fresh Debian 12 machine)
# The performance table: scripts/bench-table.sh (after a build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
exec scripts/demo.sh "$@"
