#!/usr/bin/env bash
# Functional test of GET /metrics against Prometheus' own linter: two connected regtest daemons
# (so per-peer and traffic series exist), a mined block and a ping; the page must pass
# `promtool check metrics` with no complaint, and every metric the Grafana dashboard
# (contrib/grafana/parthenon.json) queries must be on it.
# Usage: metrics_promtool_test.sh <build dir>     (needs promtool: Debian package prometheus)
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh" "${1:?usage: metrics_promtool_test.sh <build dir>}"
command -v promtool >/dev/null || fail "promtool not found (scripts/install-deps.sh installs the prometheus package)"

start_linked_pair 1

for name in a b; do
  page="$work/$name.metrics"
  code=$(curl -s -o "$page" -w '%{http_code}' -u "$(cookie_auth "$name")" "http://127.0.0.1:$(rpc_port "$name")/metrics")
  [ "$code" = 200 ] || fail "/metrics of $name answered $code"
  grep -q '^parthenon_chain_height 1$' "$page" || fail "$name: no chain height 1 on /metrics"
  grep -q '^parthenon_peer_ping_seconds{' "$page" || [ "$name" = b ] || fail "$name: no ping series"
  # promtool exits non-zero on a parse error or a lint problem and prints the problems.
  if ! report=$(promtool check metrics <"$page" 2>&1) || [ -n "$report" ]; then
    fail "promtool check metrics on $name's /metrics:
$report"
  fi
done

# Every metric the dashboard queries is exported (a family counts even without samples).
missing=()
for metric in $(grep -oE '\b(parthenon|process)_[a-z0-9_]+' "$here/../../contrib/grafana/parthenon.json" | sort -u); do
  grep -q "^# TYPE $metric " "$work/a.metrics" || missing+=("$metric")
done
[ ${#missing[@]} -eq 0 ] || fail "the Grafana dashboard queries metrics /metrics lacks: ${missing[*]}"

stop_nodes a b
echo "metrics_promtool_test: 1 passed, 0 failed"
