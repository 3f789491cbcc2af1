#!/usr/bin/env bash
# Functional test of the real binaries: two parthenon-node daemons start from config files,
# connect by --addnode, see each other in `parthenon-cli getpeerinfo`, relay a mined block, refuse
# RPC without credentials (401), and stop cleanly on `stop`.
# Usage: two_daemons_test.sh <build dir>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "${1:?usage: two_daemons_test.sh <build dir>}"

start_node a
start_node b --addnode="127.0.0.1:$(p2p_port a)"

wait_for "a and b to connect" "[ \"\$(cli a getconnectioncount)\" = 1 ] && [ \"\$(cli b getconnectioncount)\" = 1 ]"
cli a getpeerinfo | grep -q '"direction": "inbound"' || fail "a does not see b as inbound"
cli b getpeerinfo | grep -q "\"addr\": \"127.0.0.1:$(p2p_port a)\"" || fail "b does not list a"
cli b getpeerinfo | grep -q '"state": "connected"' || fail "b's peer is not connected"

# A block mined on a reaches b.
address=$(cli a getnewaddress)
cli a generatetoaddress 3 "$address" >/dev/null
wait_for "b to reach height 3" "[ \"\$(cli b getblockcount)\" = 3 ]"
[ "$(cli a getbestblockhash)" = "$(cli b getbestblockhash)" ] || fail "tips differ"

# REST and metrics answer with the same credentials and show the same chain.
auth=$(cookie_auth a)
info=$(curl -s -u "$auth" "http://127.0.0.1:$(rpc_port a)/api/v1/node/info")
echo "$info" | grep -q '"success":true' || fail "REST info: $info"
echo "$info" | grep -q '"blocks":3' || fail "REST info does not show height 3: $info"
peers=$(curl -s -u "$auth" "http://127.0.0.1:$(rpc_port a)/api/v1/node/peers")
echo "$peers" | grep -q '"state":"connected"' || fail "REST peers: $peers"
metrics=$(curl -s -u "$auth" "http://127.0.0.1:$(rpc_port a)/metrics")
echo "$metrics" | grep -q '^parthenon_chain_height 3$' || fail "metrics lack the chain height"
echo "$metrics" | grep -q '^parthenon_peers{direction="inbound",state="connected"} 1$' || fail "metrics lack the peer"
# (a block travels whole or, BIP152, as a compact block: docs/compact-blocks.md)
echo "$metrics" | grep -Eq 'parthenon_p2p_messages_total\{direction="sent",command="(block|cmpctblock)"\}' || fail "metrics lack block traffic"
cli b getsyncstatus | grep -q '"height": 3' || fail "getsyncstatus does not show height 3"

# RPC without credentials is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"method":"getblockcount"}' "http://127.0.0.1:$(rpc_port a)/" || true)
[ "$code" = 401 ] || fail "RPC without credentials answered $code, expected 401"
# A wrong password through the CLI is a clear error with exit code 1.
if "$cli_bin" --chain=regtest --rpcport="$(rpc_port a)" --rpcuser=x --rpcpassword=y getblockcount 2>"$work/cli.err"; then
  fail "CLI with wrong credentials succeeded"
fi
grep -q "refused the credentials" "$work/cli.err" || fail "no clear message for bad credentials"

# Clean shutdown: `stop` makes both exit 0 and remove their cookie.
cli a stop | grep -q "stopping" || fail "stop did not answer"
cli b stop >/dev/null
for pid in "${pids[@]}"; do
  wait "$pid" || fail "a node exited with status $?"
done
pids=()
[ ! -e "$work/a/regtest/.cookie" ] || fail "cookie left behind"
grep -q "stopped" "$work/a.log" || fail "a did not log a clean stop"

echo "two_daemons_test: 1 passed, 0 failed"
