#!/usr/bin/env bash
# Two real daemons, one syncing a long chain (>= 20,000 small blocks) from the other (issue 11):
# the link is never dropped, nobody is banned or charged a violation, and both peer databases
# credit the blocks received from the other. Prints the sync rate (blocks/s).
# Usage: long_sync_test.sh <build dir> [blocks]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh" "$1"
blocks=${2:-20000}

start_node a
address=$(cli a getnewaddress)
for ((left = blocks; left > 0; left -= 10000)); do
  cli a generatetoaddress $((left < 10000 ? left : 10000)) "$address" >/dev/null
done
[ "$(cli a getblockcount)" = "$blocks" ] || fail "a did not mine $blocks blocks"

start_node b --addnode="127.0.0.1:$(p2p_port a)"
start=$(date +%s.%N)
for _ in $(seq 1 1800); do  # at most 180 s
  [ "$(cli b getblockcount)" = "$blocks" ] && break
  sleep 0.1
done
end=$(date +%s.%N)
[ "$(cli b getblockcount)" = "$blocks" ] || fail "b stopped at height $(cli b getblockcount) of $blocks"
echo "long_sync: $blocks blocks in $(echo "$end - $start" | bc) s = $(echo "$blocks / ($end - $start)" | bc) blocks/s"

# Blocks the other way, so both databases have something to credit.
cli b generatetoaddress 5 "$(cli b getnewaddress)" >/dev/null
wait_for "a to receive b's blocks" "[ \"\$(cli a getblockcount)\" = $((blocks + 5)) ]"

# One link for the whole run (after the one-time plaintext-to-TLS upgrade of --tls=optional):
# no disconnect on either side, no ban, no violation.
for node in a b; do
  [ "$(cli "$node" getconnectioncount)" = 1 ] || fail "$node lost its peer"
  if grep -E "disconnected: .*reason=" "$work/$node.log" | grep -v -E "reason=(shutdown|tls-upgrade)"; then
    fail "$node disconnected its peer during the sync"
  fi
  [ "$(cli "$node" listbanned)" = "[]" ] || fail "$node banned someone: $(cli "$node" listbanned)"
done
# The log lines above are rate-limited, so also count connections: a accepted exactly the
# plaintext link and its TLS redial, and nothing after.
accepted=$(curl -s -u "$(cookie_auth a)" "http://127.0.0.1:$(rpc_port a)/metrics" |
           sed -n 's/^parthenon_inbound_connections_accepted_total \([0-9]*\).*/\1/p')
[ "$accepted" = 2 ] || fail "a accepted ${accepted:-?} connections from b, expected 2 (one reconnect is one too many)"
score_field() {  # node, field: the value of `field` in the node's record(s) of 127.0.0.1
  cli "$1" getpeerscore 127.0.0.1 | tr -d ' \n' | grep -o "\"$2\":[0-9]*" | cut -d: -f2 | sort -n | tail -1
}
b_blocks=$(score_field b blocks)
a_blocks=$(score_field a blocks)
[ "${b_blocks:-0}" -ge "$blocks" ] || fail "b credited a with ${b_blocks:-0} blocks, expected >= $blocks"
[ "${a_blocks:-0}" -ge 5 ] || fail "a credited b with ${a_blocks:-0} blocks, expected >= 5"
for node in a b; do
  violations=$(score_field "$node" protocol_violations)
  [ "${violations:-0}" = 0 ] || fail "$node charged its peer $violations protocol violations"
done
stop_nodes a b
echo "PASS: $blocks blocks synced over one link; peer scores credit the blocks (b: $b_blocks, a: $a_blocks)"
