# Helpers of the functional tests (sourced): temporary work directory, daemons started from a
# regtest config file on free ports, polling, the CLI bound to one node, failure with logs.
# Usage: source lib.sh <build dir>   (sets node_bin, cli_bin, work; kills the daemons on exit)

build=${1:?usage: $0 <build dir>}
node_bin="$build/src/apps/parthenon-node"
cli_bin="$build/src/apps/parthenon-cli"
work=$(mktemp -d "${TMPDIR:-/tmp}/parthenon-functional.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done; exit 1; }

# Polls `command` (a string for eval) until it succeeds, for up to 20 s.
wait_for() {
  local what=$1 command=$2
  for _ in $(seq 1 200); do
    if eval "$command" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  fail "timed out waiting for $what"
}

start_node() {  # name, extra flags...
  local name=$1; shift
  mkdir -p "$work/$name"
  cat > "$work/$name/parthenon.conf" <<CONF
chain = regtest
[network]
bind = 127.0.0.1
[rpc]
port = 0
[log]
level = debug
CONF
  "$node_bin" --datadir="$work/$name" --port=0 "$@" 2>"$work/$name.log" &
  pids+=($!)
  wait_for "$name to start" "grep -q 'parthenon-node running' '$work/$name.log'"
}

p2p_port() { sed -n 's/.*P2P port \([0-9]*\),.*/\1/p' "$work/$1.log"; }
rpc_port() { sed -n 's/.*RPC port \([0-9]*\),.*/\1/p' "$work/$1.log"; }
cli() { local name=$1; shift; "$cli_bin" --chain=regtest --datadir="$work/$name" --rpcport="$(rpc_port "$name")" "$@"; }
# HTTP Basic credentials of a node's cookie, for curl -u.
cookie_auth() { echo "__cookie__:$(cut -d: -f2 "$work/$1/regtest/.cookie")"; }

# Nodes a and b, b dialing a; a mines `blocks` blocks that reach b, and a has measured a ping
# round trip to b (so per-peer ping fields and series exist).
start_linked_pair() {
  local blocks=$1
  start_node a
  start_node b --addnode="127.0.0.1:$(p2p_port a)"
  wait_for "a and b to connect" "[ \"\$(cli a getconnectioncount)\" = 1 ] && [ \"\$(cli b getconnectioncount)\" = 1 ]"
  cli a generatetoaddress "$blocks" "$(cli a getnewaddress)" >/dev/null
  wait_for "b to reach height $blocks" "[ \"\$(cli b getblockcount)\" = $blocks ]"
  cli a ping >/dev/null
  wait_for "a ping round trip" "cli a getpeerinfo | grep -q pingtime"
}

# `stop` over RPC for every node given, then waits for each daemon to exit 0.
stop_nodes() {
  for name in "$@"; do cli "$name" stop >/dev/null || fail "$name did not answer stop"; done
  for pid in "${pids[@]}"; do
    wait "$pid" || fail "a node exited with status $?"
  done
  pids=()
}
