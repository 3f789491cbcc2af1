#!/usr/bin/env bash
# The demo network (README command 1): five parthenon-node daemons on loopback, regtest.
#   nodes 1-4 in a ring; node 1 mines 101 blocks (coinbase maturity) and pays node 3;
#   node 5 joins late and syncs the whole chain; a summary table prints; everything stops.
# Usage: scripts/demo.sh [--keep]   (--keep leaves the nodes running and prints how to use them)
# Env: DEMO_DIR (default: a fresh temp dir), BUILD_DIR (default build/release).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

keep=0
[[ "${1:-}" == "--keep" ]] && keep=1
build=${BUILD_DIR:-build/release}
node_bin="$build/src/apps/parthenon-node"
cli_bin="$build/src/apps/parthenon-cli"
[[ -x "$node_bin" && -x "$cli_bin" ]] || { echo "demo: build first (scripts/run.sh builds)"; exit 1; }
dir=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/parthenon-demo.XXXXXX")}
declare -A pid p2p rpc

stop_all() {
  for n in "${!pid[@]}"; do "$cli_bin" --chain=regtest --datadir="$dir/node$n" --rpcport="${rpc[$n]}" stop >/dev/null 2>&1 || true; done
  for n in "${!pid[@]}"; do wait "${pid[$n]}" 2>/dev/null || true; done
}
if [[ $keep -eq 0 ]]; then trap stop_all EXIT; fi

cli() { local n=$1; shift; "$cli_bin" --chain=regtest --datadir="$dir/node$n" --rpcport="${rpc[$n]}" "$@"; }
now_ms() { date +%s%3N; }
poll_until() {  # timeout seconds, command...: 0 once the command succeeds, 1 on timeout
  local deadline=$(( $(now_ms) + $1 * 1000 )); shift
  until "$@" >/dev/null 2>&1; do
    (( $(now_ms) < deadline )) || return 1
    sleep 0.05
  done
}
wait_until() {  # description, timeout seconds, command...: exits on timeout
  local what=$1; shift
  poll_until "$@" || { echo "demo: timed out waiting for $what (logs in $dir)"; exit 1; }
}

start_node() {  # n, flags...
  local n=$1; shift
  mkdir -p "$dir/node$n"
  "$node_bin" --chain=regtest --datadir="$dir/node$n" --bind=127.0.0.1 --port=0 --rpcport=0 \
    --logfile="$dir/node$n/parthenon.log" "$@" 2>"$dir/node$n.stderr" &
  pid[$n]=$!
  wait_until "node $n to start" 20 grep -q 'parthenon-node running' "$dir/node$n.stderr"
  p2p[$n]=$(sed -n 's/.*P2P port \([0-9]*\),.*/\1/p' "$dir/node$n.stderr")
  rpc[$n]=$(sed -n 's/.*RPC port \([0-9]*\),.*/\1/p' "$dir/node$n.stderr")
}

echo "demo: data in $dir"
start_node 1
start_node 2 --addnode="127.0.0.1:${p2p[1]}"
start_node 3 --addnode="127.0.0.1:${p2p[2]}"
start_node 4 --addnode="127.0.0.1:${p2p[3]}" --addnode="127.0.0.1:${p2p[1]}"
connected() { [[ $(cli "$1" getconnectioncount) -ge $2 ]]; }
for n in 1 2 3 4; do wait_until "node $n to connect" 20 connected "$n" 2; done
echo "demo: 4 nodes in a ring"

same_tip() { [[ "$(cli "$1" getbestblockhash)" == "$2" ]]; }
miner=$(cli 1 getnewaddress)
t0=$(now_ms)
cli 1 generatetoaddress 101 "$miner" >/dev/null
tip=$(cli 1 getbestblockhash)
declare -A block_ms tx_ms
for n in 1 2 3 4; do wait_until "node $n to reach the tip" 60 same_tip "$n" "$tip"; block_ms[$n]=$(( $(now_ms) - t0 )); done
echo "demo: 101 blocks mined on node 1 reached every node"

payee=$(cli 3 getnewaddress)
t1=$(now_ms)
txid=$(cli 1 sendtoaddress "$payee" 12.5)
in_mempool() { cli "$1" getrawmempool | grep -q "$2"; }
for n in 1 2 3 4; do wait_until "the payment to reach node $n" 30 in_mempool "$n" "$txid"; tx_ms[$n]=$(( $(now_ms) - t1 )); done
echo "demo: payment $txid in every mempool"
cli 2 generatetoaddress 1 "$(cli 2 getnewaddress)" >/dev/null
tip=$(cli 2 getbestblockhash)
for n in 1 2 3 4; do wait_until "node $n to confirm the payment" 30 same_tip "$n" "$tip"; done

t2=$(now_ms)
start_node 5 --addnode="127.0.0.1:${p2p[4]}" --addnode="127.0.0.1:${p2p[2]}"
wait_until "node 5 to sync" 120 same_tip 5 "$tip"
sync_ms=$(( $(now_ms) - t2 ))
block_ms[5]="-"; tx_ms[5]="-"
echo "demo: node 5 joined late and synced $(cli 5 getblockcount) blocks in ${sync_ms} ms"
# Links to TLS-capable peers start in plaintext and are redialled with TLS (docs/tls.md); give
# node 5's second link a moment so the table shows the settled network.
poll_until 5 connected 5 2 || true
encrypted() { cli "$1" getpeerinfo | grep -c '"encrypted": true' || true; }

printf '\n%-6s %-6s %-5s %-7s %-18s %-8s %-14s %-14s\n' node peers tls height tip mempool "blocks (ms)" "tx (ms)"
for n in 1 2 3 4 5; do
  printf '%-6s %-6s %-5s %-7s %-18s %-8s %-14s %-14s\n' "$n" "$(cli "$n" getconnectioncount)" "$(encrypted "$n")" "$(cli "$n" getblockcount)" \
    "$(cli "$n" getbestblockhash | cut -c1-16)" "$(cli "$n" getmempoolinfo | sed -n 's/.*"size": \([0-9]*\).*/\1/p')" \
    "${block_ms[$n]}" "${tx_ms[$n]}"
done
printf '\nnode 3 balance: %s (paid 12.5)\n' "$(cli 3 getbalance)"

if [[ $keep -eq 1 ]]; then
  echo
  echo "Nodes keep running. Talk to node N with:"
  for n in 1 2 3 4 5; do echo "  $cli_bin --chain=regtest --datadir=$dir/node$n --rpcport=${rpc[$n]} getinfo"; done
  echo "Stop one with '... stop'."
else
  echo "demo: stopping every node"
fi
