#!/usr/bin/env bash
# Functional test of `parthenon-cli -getinfo` and `-netinfo [0-4]` against two real daemons:
# b dials a, a mines 3 blocks paying its wallet; the reports show heights, balance, directions,
# networks, TLS and, from level 1, the peer table (addresses from level 2 or 4, versions from 3).
# Usage: cli_reports_test.sh <build dir>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "${1:?usage: cli_reports_test.sh <build dir>}"

start_linked_pair 3

expect() {  # text, pattern (grep -E), what
  grep -qE -- "$2" <<<"$1" || fail "$3: no /$2/ in:
$1"
}

info=$(cli a -getinfo)
expect "$info" '^Chain: regtest$' "-getinfo chain"
expect "$info" '^Blocks: 3$' "-getinfo blocks"
expect "$info" '^Headers: 3$' "-getinfo headers"
expect "$info" '^Verification progress: 100\.0000%$' "-getinfo progress"
expect "$info" '^Difficulty: ' "-getinfo difficulty"
expect "$info" '^Network: in 1, out 0, total 1$' "-getinfo connections of a"
expect "$info" '^Balance: 0\.00000000$' "-getinfo balance (coinbase immature)"
expect "$(cli b --getinfo)" '^Network: in 0, out 1, total 1$' "-getinfo connections of b"

level0=$(cli a -netinfo)
expect "$level0" '^ +ipv4 +ipv6 +total +tls$' "-netinfo header"
expect "$level0" '^in +1 +0 +1 +[01]$' "-netinfo inbound row"
expect "$level0" '^out +0 +0 +0 +0$' "-netinfo outbound row"
expect "$level0" "^Listening ports: $(p2p_port a)\$" "-netinfo ports"
grep -q 'mping' <<<"$level0" && fail "-netinfo 0 has a peer table"

level1=$(cli b -netinfo 1)
expect "$level1" '^<-> +net +mping +ping +send +recv +tls +score +cc +age +id$' "-netinfo 1 table header"
expect "$level1" '^out +ipv4 +[0-9.]+ +[0-9.]+ .*(yes|no) ' "-netinfo 1 peer row of b"
grep -q "127.0.0.1:" <<<"$level1" && fail "-netinfo 1 shows addresses"

level4=$(cli b -netinfo=4)
expect "$level4" "  127\.0\.0\.1:$(p2p_port a) +70016/Parthenon" "-netinfo 4 address and version"
expect "$(cli a -netinfo 2)" '  127\.0\.0\.1:[0-9]+$' "-netinfo 2 address"
expect "$(cli a -netinfo 3)" '  70016/Parthenon[^ ]*$' "-netinfo 3 version"

if cli a -netinfo 7 2>"$work/err.log"; then fail "-netinfo 7 succeeded"; fi
grep -q "level must be 0 to 4" "$work/err.log" || fail "no message for a bad level"
if cli a -getinfo getblockcount 2>/dev/null; then fail "-getinfo with a method succeeded"; fi

if [ -n "${CLI_REPORTS_SAMPLE:-}" ]; then  # docs/rpc.md's samples come from here
  { echo "\$ parthenon-cli -getinfo"; cli a -getinfo; echo; echo "\$ parthenon-cli -netinfo 4"; cli b -netinfo 4; } \
    >"$CLI_REPORTS_SAMPLE"
fi

stop_nodes a b
echo "cli_reports_test: 1 passed, 0 failed"
