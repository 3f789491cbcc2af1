# Shared harness of the functional tests (source it after setting `build`): a work directory
# removed on exit, daemons started from config files on free ports, and RPC through the CLI.
# Defines: work, pids, fail, wait_for, start_node, p2p_port, rpc_port, cli.

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

# Polls `command` (a string for eval) until it succeeds, for up to 30 s.
wait_for() {
  local what=$1 command=$2
  for _ in $(seq 1 300); do
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
