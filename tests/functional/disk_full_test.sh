#!/usr/bin/env bash
# Functional test of a full disk (docs/storage.md, "Faults"): a regtest node whose data directory
# is on a small tmpfs mines through RPC until the disk fills; the RPC error says
# "disk full: <path>, N bytes free, writes stopped"; with the disk then 100% full it still stops
# cleanly (exit 0, no RocksDB assertion); after space is freed it restarts with every acknowledged
# block and mines on. Needs root (mount); exits 77 (skipped) otherwise.
# Usage: disk_full_test.sh <build dir>
set -euo pipefail

build=${1:?usage: disk_full_test.sh <build dir>}
node_bin="$build/src/apps/parthenon-node"
cli_bin="$build/src/apps/parthenon-cli"
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: disk_full_test needs root to mount a tmpfs"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/parthenon-diskfull.XXXXXX")
disk="$work/disk"
mkdir -p "$disk"
mount -t tmpfs -o size=48m tmpfs "$disk"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  umount "$disk" 2>/dev/null || umount -l "$disk" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

datadir="$disk/node"
log="$work/node.log"
fail() { echo "FAIL: $*" >&2; echo "--- node stderr" >&2; tail -30 "$log" >&2 || true; exit 1; }

wait_for() {  # what, command
  for _ in $(seq 1 300); do
    if eval "$2" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  fail "timed out waiting for $1"
}

start_node() {
  "$node_bin" --datadir="$datadir" --chain=regtest --port=0 --rpcport=0 --listen=0 --dnsseed=0 \
    --loglevel=info --utxo-cache-mb=4 2>"$log" &
  pid=$!
  wait_for "the node to start" "grep -q 'parthenon-node running' '$log'"
}
rpc_port() { sed -n 's/.*RPC port \([0-9]*\),.*/\1/p' "$log"; }
cli() { "$cli_bin" --chain=regtest --datadir="$datadir" --rpcport="$(rpc_port)" "$@"; }
free_bytes() { df --output=avail -B1 "$disk" | tail -1 | tr -d ' '; }

stop_node() {
  cli stop >/dev/null || fail "stop did not answer"
  local code=0
  wait "$pid" || code=$?
  pid=""
  [ "$code" = 0 ] || fail "the node exited with status $code (134 = abort)"
  if grep -q "Assertion" "$log"; then fail "an assertion fired"; fi
}

start_node
address=$(cli getnewaddress)
cli generatetoaddress 5 "$address" >/dev/null
# Leave the block store's 16 MiB margin plus a little: mining fills the rest.
cushion=$((16 * 1024 * 1024 + 96 * 1024))
ballast=$(( $(free_bytes) - cushion ))
[ "$ballast" -gt 0 ] || fail "the tmpfs is too small"
fallocate -l "$ballast" "$disk/ballast"

acknowledged=5
error=""
for _ in $(seq 1 2000); do
  if out=$(cli generatetoaddress 1 "$address" 2>&1); then
    acknowledged=$((acknowledged + 1))
  else
    error=$out
    break
  fi
done
[ -n "$error" ] || fail "the disk never filled"
echo "$error" | grep -qE "disk full: $datadir/regtest/blocks, [0-9]+ bytes free, writes stopped" \
  || fail "unclear RPC error: $error"
# Later writes say the same; reads still work.
out=$(cli generatetoaddress 1 "$address" 2>&1) && fail "mining went on after the disk filled"
echo "$out" | grep -q "disk full: .*writes stopped" || fail "unclear RPC error on the next try: $out"
[ "$(cli getblockcount)" -ge "$acknowledged" ] || fail "height below the $acknowledged acknowledged blocks"
auth="__cookie__:$(cut -d: -f2 "$datadir/regtest/.cookie")"
curl -s -u "$auth" "http://127.0.0.1:$(rpc_port)/metrics" | grep -q '^parthenon_storage_writes_stopped 1$' \
  || fail "metrics do not show that writes stopped"

# Now fill the disk completely, so RocksDB meets ENOSPC while closing.
dd if=/dev/zero of="$disk/ballast2" bs=64k 2>/dev/null || true
[ "$(free_bytes)" -lt 65536 ] || fail "the disk is not full"
# Database writes on a 100% full disk (the wallet stores new keys): refused, the node stays up.
for _ in 1 2 3; do cli getnewaddress >/dev/null 2>&1 || true; done
cli getblockcount >/dev/null || fail "the node stopped answering on a full disk"
stop_node

# Free the space, restart: every acknowledged block is there and mining continues.
rm -f "$disk/ballast" "$disk/ballast2"
start_node
height=$(cli getblockcount)
[ "$height" -ge "$acknowledged" ] || fail "after restart height $height < $acknowledged acknowledged"
cli generatetoaddress 2 "$address" >/dev/null || fail "mining does not continue after restart"
[ "$(cli getblockcount)" = $((height + 2)) ] || fail "height did not grow by 2"
stop_node

echo "disk_full_test: 1 passed, 0 failed (acknowledged $acknowledged blocks before the disk filled)"
