#!/usr/bin/env bash
# Functional test of a damaged block file (docs/storage.md, "Faults"): one byte of an old block's
# record in blk00000.dat is flipped under a running regtest node. getblock then says the block
# data is corrupt (not "not found"), the log has one error line naming the file, offset and
# height, /metrics counts it, and the node keeps running and mining.
# Usage: corrupt_block_test.sh <build dir>
set -euo pipefail

build=${1:?usage: corrupt_block_test.sh <build dir>}
node_bin="$build/src/apps/parthenon-node"
cli_bin="$build/src/apps/parthenon-cli"
work=$(mktemp -d "${TMPDIR:-/tmp}/parthenon-corrupt.XXXXXX")
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
datadir="$work/node"
log="$work/node.log"
fail() { echo "FAIL: $*" >&2; echo "--- node stderr" >&2; tail -30 "$log" >&2 || true; exit 1; }

"$node_bin" --datadir="$datadir" --chain=regtest --port=0 --rpcport=0 --listen=0 --dnsseed=0 2>"$log" &
pid=$!
for _ in $(seq 1 200); do grep -q 'parthenon-node running' "$log" && break; sleep 0.1; done
grep -q 'parthenon-node running' "$log" || fail "the node did not start"
rpc_port=$(sed -n 's/.*RPC port \([0-9]*\),.*/\1/p' "$log")
cli() { "$cli_bin" --chain=regtest --datadir="$datadir" --rpcport="$rpc_port" "$@"; }

address=$(cli getnewaddress)
cli generatetoaddress 20 "$address" >/dev/null
hash=$(cli getblockhash 5)
raw=$(cli getblock "$hash" 0)

# Find the block's bytes in the block file and flip one in the middle.
python3 - "$datadir/regtest/blocks/blk00000.dat" "$raw" <<'PY'
import sys
path, raw = sys.argv[1], bytes.fromhex(sys.argv[2])
data = bytearray(open(path, "rb").read())
at = data.find(raw)
assert at >= 0, "block not found in the block file"
with open(path, "r+b") as f:
    f.seek(at + len(raw) // 2)
    f.write(bytes([data[at + len(raw) // 2] ^ 0x40]))
PY

for attempt in 1 2; do
  if out=$(cli getblock "$hash" 2>&1); then fail "getblock of a damaged block succeeded"; fi
  echo "$out" | grep -q "Block data is corrupt on disk: .*blk00000.dat offset [0-9]*: record checksum mismatch" \
    || fail "getblock error (attempt $attempt): $out"
  echo "$out" | grep -qi "not found" && fail "getblock still says not found: $out"
done
lines=$(grep -c "error \[chain\] block data corrupt: block $hash at height 5 " "$log" || true)
[ "$lines" = 1 ] || fail "expected one error line for the block, found $lines"
grep "block data corrupt: block $hash" "$log" | grep -q "blk00000.dat offset [0-9]*" || fail "the log line lacks file and offset"
auth="__cookie__:$(cut -d: -f2 "$datadir/regtest/.cookie")"
metrics=$(curl -s -u "$auth" "http://127.0.0.1:$rpc_port/metrics")
echo "$metrics" | grep -q '^parthenon_block_read_corrupt_total 1$' || fail "metrics lack the corrupt read counter"
echo "$metrics" | grep -q '^parthenon_blocks_refetch_pending 1$' || fail "metrics lack the block to fetch again"

# The rest of the chain is served and the node mines on.
cli getblock "$(cli getblockhash 6)" >/dev/null || fail "a neighbouring block is unreadable"
cli generatetoaddress 2 "$address" >/dev/null || fail "mining stopped"
[ "$(cli getblockcount)" = 22 ] || fail "height is not 22"
cli stop >/dev/null
code=0
wait "$pid" || code=$?
pid=""
[ "$code" = 0 ] || fail "the node exited with status $code"
echo "corrupt_block_test: 1 passed, 0 failed"
