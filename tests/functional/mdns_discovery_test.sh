#!/usr/bin/env bash
# mDNS local discovery (--discover-local, docs/peer-database.md): two parthenon-node daemons in
# separate network namespaces on one bridge find each other with no other peer configuration
# (no --addnode, --connect or DNS seed) and connect. The namespaces, the bridge and the veth
# pairs are this test's own (10.231.0.0/24), named by a unique prefix and removed on every exit.
# Needs root and `ip netns`; otherwise it prints SKIP and exits 77 (ctest's SKIP_RETURN_CODE).
# Usage: mdns_discovery_test.sh <build dir>
set -euo pipefail

build=${1:?usage: mdns_discovery_test.sh <build dir>}
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null 2>&1 || skip "needs iproute2's ip"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$build"
prefix="pmdns$$x"  # every namespace of this run starts with it
lib_cleanup() { cleanup; }
netns_cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  pids=()
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  lib_cleanup
}
trap netns_cleanup EXIT

ns_bridge="${prefix}br"
ip netns add "$ns_bridge" 2>/dev/null || skip "cannot create network namespaces here"
ip -n "$ns_bridge" link add br0 type bridge
ip -n "$ns_bridge" link set br0 up
declare -A address=([a]=10.231.0.1 [b]=10.231.0.2)
for side in a b; do
  ns="${prefix}$side"
  ip netns add "$ns"
  ip -n "$ns_bridge" link add "v${side}0" type veth peer name "v${side}1"
  ip -n "$ns_bridge" link set "v${side}0" master br0 up
  ip -n "$ns_bridge" link set "v${side}1" netns "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "${address[$side]}/24" dev "v${side}1"
  ip -n "$ns" link set "v${side}1" up
done

in_ns() { local side=$1; shift; ip netns exec "${prefix}$side" "$@"; }
start_in_ns() {  # side
  local side=$1
  mkdir -p "$work/$side"
  cat > "$work/$side/parthenon.conf" <<CONF
chain = regtest
[network]
bind = ${address[$side]}
discover_local = 1
dnsseed = 0
[rpc]
port = 0
[log]
level = debug
CONF
  in_ns "$side" "$node_bin" --datadir="$work/$side" --port=18444 2>"$work/$side.log" &
  pids+=($!)
  wait_for "$side to start" "grep -q 'parthenon-node running' '$work/$side.log'"
}
ns_cli() { local side=$1; shift; in_ns "$side" "$cli_bin" --chain=regtest --datadir="$work/$side" --rpcport="$(rpc_port "$side")" "$@"; }

start_in_ns a
start_in_ns b
grep -q "local discovery (mDNS _parthenon._tcp) on" "$work/a.log" || fail "a did not start local discovery"

# Announcements go out at start and then once a second three times; selection polls twice a
# second: 20 s is ample.
wait_for "a and b to find each other" \
  "[ \"\$(ns_cli a getconnectioncount)\" -ge 1 ] && [ \"\$(ns_cli b getconnectioncount)\" -ge 1 ]"
ns_cli a getpeerinfo | grep -q "10.231.0.2" || fail "a's peers do not include b"
ns_cli b getpeerinfo | grep -q "10.231.0.1" || fail "b's peers do not include a"
# Each side finds the other (the first link may be the other side's dial).
wait_for "a to find b" "grep -q 'local discovery: found 10.231.0.2:18444' '$work/a.log'"
wait_for "b to find a" "grep -q 'local discovery: found 10.231.0.1:18444' '$work/b.log'"

# A block mined on a reaches b over the discovered link.
ns_cli a generatetoaddress 2 "$(ns_cli a getnewaddress)" >/dev/null
wait_for "b to reach height 2" "[ \"\$(ns_cli b getblockcount)\" = 2 ]"

echo "mdns_discovery_test: 1 passed, 0 failed"
