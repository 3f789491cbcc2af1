#!/usr/bin/env bash
# Functional test of configuration checking (docs/configuration.md, "Validation"): the real
# parthenon-node refuses bad flags and bad config-file values with exit code 1 and a message that
# names the flag (or the file's line and key), the value and what is expected, and writes nothing:
# the data directory is not even created.
# Usage: bad_config_test.sh <build dir>
set -euo pipefail

build=${1:?usage: bad_config_test.sh <build dir>}
node_bin="$build/src/apps/parthenon-node"
work=$(mktemp -d "${TMPDIR:-/tmp}/parthenon-badconfig.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_refused <expected message fragment> <args...>: exit 1, message on stderr, no datadir.
expect_refused() {
  local expected=$1; shift
  local datadir="$work/datadir"
  local code=0
  timeout 20 "$node_bin" --datadir="$datadir" --chain=regtest "$@" >"$work/out" 2>"$work/err" || code=$?
  [ "$code" = 1 ] || fail "$* exited $code, expected 1 ($(cat "$work/err"))"
  grep -qF -- "$expected" "$work/err" || fail "$*: message lacks '$expected': $(cat "$work/err")"
  [ ! -e "$datadir" ] || fail "$*: the data directory was created"
  passed=$((passed + 1))
}

# Flags.
expect_refused "--score-threshold: 'nan' is not valid: expected a finite number from 0 to 100" --score-threshold=nan
expect_refused "--score-threshold: 'inf' is not valid" --score-threshold=inf
expect_refused "--ban-duration: '-1' is not valid: expected a whole number from 1 to" --ban-duration=-1
expect_refused "--port: '70000' is not valid: expected a whole number from 0 to 65535" --port=70000
expect_refused "--rpcport: '-5' is not valid" --rpcport=-5
expect_refused "--maxconnections: 'abc' is not valid: expected a whole number" --maxconnections=abc
expect_refused "--worker-threads: '0' is not valid: expected a whole number from 1 to 256" --worker-threads=0
expect_refused "--utxo-cache-mb: '1e9' is not valid" --utxo-cache-mb=1e9
expect_refused "--addnode: ':::::' is not valid: expected host[:port]" --addnode=:::::
expect_refused "--connect: '127.0.0.1:0' is not valid" --connect=127.0.0.1:0
expect_refused "--bind: '999.1.1.1' is not valid: expected an IPv4 or IPv6 address" --bind=999.1.1.1
expect_refused "--rpcbind: 'localhost' is not valid: expected an IPv4 or IPv6 address" --rpcbind=localhost
expect_refused "--whitelist: 'notanip' is not valid: expected an IP address or a subnet" --whitelist=notanip
expect_refused "--dnsseed: 'bad..name' is not valid: expected 0 (no DNS seeding), 1" --dnsseed=bad..name
expect_refused "--dnsseed: 0 turns DNS seeding off" --dnsseed=0 --dnsseed=seed.example.org
expect_refused "--chain: 'signet' is not valid: expected one of main, mainnet, testnet, regtest" --chain=signet
expect_refused "--tls: 'maybe' is not valid: expected one of off, optional, required" --tls=maybe
expect_refused "--loglevel: 'loud' is not valid: expected one of trace" --loglevel=loud
expect_refused "--tls-cert: '$work/none.pem' is not valid: expected an existing file" --tls-cert="$work/none.pem"
expect_refused "--geoip-db: '$work/none.mmdb' is not valid: expected an existing file" --geoip-db="$work/none.mmdb"
expect_refused "--miningaddress: 'prt1qqqq' is not valid: expected a bech32m address of regtest" --miningaddress=prt1qqqq
expect_refused "--mine=1 needs --miningaddress" --mine=1
expect_refused "--maxoutbound (20) exceeds --maxconnections (10)" --maxconnections=10 --maxoutbound=20

# Config-file values: the error names the line, the section and key, and the value.
conf_refused() {  # <expected> <file contents>
  printf '%b' "$2" > "$work/bad.conf"
  expect_refused "$1" --conf="$work/bad.conf"
  grep -qF -- "$work/bad.conf" "$work/err" || fail "the message does not name the config file: $(cat "$work/err")"
}
conf_refused "config file line 2: [peers] score_threshold: 'nan' is not valid: expected a finite number" '[peers]\nscore_threshold=nan\n'
conf_refused "config file line 3: [network] bind: '999.1.1.1' is not valid" '# comment\n[network]\nbind=999.1.1.1\n'
conf_refused "config file line 2: [network] whitelist: 'notanip'" '[network]\nwhitelist=notanip\n'
conf_refused "config file line 2: [network] addnode: ':::::'" '[network]\naddnode=:::::\n'
conf_refused "config file line 2: [performance] worker_threads: '-2'" '[performance]\nworker_threads=-2\n'
conf_refused "config file line 2: [tls] mode: 'sometimes'" '[tls]\nmode=sometimes\n'
conf_refused "config file line 2: [network] dnsseed: '-'" '[network]\ndnsseed=-\n'
conf_refused "config file line 2: unknown key 'score_treshold' in section [peers]" '[peers]\nscore_treshold=3\n'
conf_refused "config file line 3: [mining] address: 'nope' is not valid: expected a bech32m address" '[mining]\nmine=1\naddress=nope\n'

# The default config file inside the datadir is checked the same way and the datadir gains nothing.
mkdir -p "$work/existing"
printf '[network]\nport=-1\n' > "$work/existing/parthenon.conf"
code=0
timeout 20 "$node_bin" --datadir="$work/existing" --chain=regtest 2>"$work/err" || code=$?
[ "$code" = 1 ] || fail "bad default config file: exit $code"
grep -qF "config file line 2: [network] port: '-1' is not valid" "$work/err" || fail "default file message: $(cat "$work/err")"
[ "$(ls -A "$work/existing")" = parthenon.conf ] || fail "files were written to the datadir: $(ls -A "$work/existing")"
passed=$((passed + 1))

echo "bad_config_test: $passed passed, 0 failed"
