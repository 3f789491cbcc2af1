#!/usr/bin/env bash
# CI test of the Debian package (docs/operations.md): builds it with CPack, checks its control
# data (conffile, dependencies, maintainer scripts) and contents, unpacks it into a throw-away
# root with `dpkg -x` (nothing is installed on this machine), checks the systemd unit with
# `systemd-analyze verify` and that the sample configuration documents every config key, then
# starts the unpacked node with the unit's own ExecStart command line (adapted to a temporary
# data directory and regtest: systemd does not run in CI), checks that it answers RPC through the
# unpacked parthenon-cli, and stops it.
# Usage: scripts/package-test.sh [build dir]     (default build/release, already configured)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build/release}
work=$(mktemp -d "${TMPDIR:-/tmp}/parthenon-package.XXXXXX")
node_pid=
cleanup() {
  [ -z "$node_pid" ] || kill -KILL "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ ! -f "$work/node.log" ] || tail -20 "$work/node.log" >&2; exit 1; }
started=$SECONDS

cmake --build "$build" --target package >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb="$build/parthenon_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || fail "no package $deb"

# Control data.
info=$(dpkg-deb --info "$deb")
for field in "Package: parthenon" "Version: $version" "Section: net" "Depends: .*libssl3" "Depends: .*libsecp256k1"; do
  grep -qE "^ $field" <<<"$info" || fail "dpkg-deb --info lacks /$field/"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/parthenon/parthenon.conf ] ||
  fail "/etc/parthenon/parthenon.conf is not the package's conffile"
control_files=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
for script in postinst prerm postrm; do
  grep -qx "./$script" <<<"$control_files" || fail "no $script"
done

# Contents, unpacked into a throw-away root.
root="$work/root"
dpkg -x "$deb" "$root"
for file in usr/bin/parthenon-node usr/bin/parthenon-cli lib/systemd/system/parthenon-node.service \
            etc/parthenon/parthenon.conf usr/share/man/man1/parthenon-node.1.gz \
            usr/share/man/man1/parthenon-cli.1.gz usr/share/doc/parthenon/operations.md \
            usr/share/doc/parthenon/grafana/parthenon.json; do
  [ -s "$root/$file" ] || fail "the package lacks /$file"
done
[ -x "$root/usr/bin/parthenon-node" ] && [ -x "$root/usr/bin/parthenon-cli" ] || fail "binaries not executable"
grep -q datadir <(zcat "$root/usr/share/man/man1/parthenon-node.1.gz") || fail "the node's man page lacks --datadir"
grep -q netinfo <(zcat "$root/usr/share/man/man1/parthenon-cli.1.gz") || fail "the CLI's man page lacks -netinfo"

# The unit: systemd's own checks, and the hardening it promises.
unit="$root/lib/systemd/system/parthenon-node.service"
if command -v systemd-analyze >/dev/null; then  # on a copy whose ExecStart names the unpacked binary
  mkdir -p "$work/units"
  sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$unit" >"$work/units/parthenon-node.service"
  systemd-analyze verify --man=no "$work/units/parthenon-node.service" >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log"; fail "systemd-analyze verify"; }
fi
for setting in DynamicUser=yes ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes PrivateTmp=yes \
               StateDirectory=parthenon; do
  grep -qx "$setting" "$unit" || fail "the unit lacks $setting"
done

# The sample configuration documents every key the node reads (src/node/config.cpp kFileKeys),
# each under its section.
conf="$root/etc/parthenon/parthenon.conf"
keys=$(grep -oE 'FileKey\{"[a-z]+", "[a-z_]+"' src/node/config.cpp | sed -E 's/FileKey\{"([a-z]+)", "([a-z_]+)"/\1 \2/')
[ "$(wc -l <<<"$keys")" -ge 20 ] || fail "found only $(wc -l <<<"$keys") keys in src/node/config.cpp kFileKeys (format changed?)"
while read -r section key; do
  awk -v s="[$section]" -v k="$key" '$0 == s {in_s = 1; next} /^\[/ {in_s = 0}
       in_s && $0 ~ "^#?" k " =" {found = 1} END {exit !found}' "$conf" ||
    fail "the sample configuration does not document [$section] $key"
done <<<"$keys"

# Start the node as the unit would, in the throw-away root, on regtest and free ports.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ "$exec_start" == "/usr/bin/parthenon-node --datadir=/var/lib/parthenon --conf=/etc/parthenon/parthenon.conf" ]] ||
  fail "unexpected ExecStart: $exec_start"
read -r -a command <<<"${exec_start//\/var\/lib\/parthenon/$work/state}"
command[0]="$root${command[0]}"
command=("${command[@]/--conf=\/etc\//--conf=$root/etc/}")
mkdir -p "$work/state"
"${command[@]}" --chain=regtest --bind=127.0.0.1 --port=0 --rpcport=0 2>"$work/node.log" &
node_pid=$!
for _ in $(seq 1 200); do
  grep -q 'parthenon-node running' "$work/node.log" && break
  kill -0 "$node_pid" 2>/dev/null || fail "the node exited at start"
  sleep 0.1
done
rpc_port=$(sed -n 's/.*RPC port \([0-9]*\),.*/\1/p' "$work/node.log")
[ -n "$rpc_port" ] || fail "the node did not start"
cli=("$root/usr/bin/parthenon-cli" --chain=regtest --datadir="$work/state" --rpcport="$rpc_port")
"${cli[@]}" getblockchaininfo | grep -q '"chain": "regtest"' || fail "getblockchaininfo did not answer"
"${cli[@]}" -getinfo | grep -q '^Blocks: 0$' || fail "-getinfo did not answer"
"${cli[@]}" stop | grep -q stopping || fail "stop did not answer"
wait "$node_pid" || fail "the node exited with status $?"
node_pid=
grep -q stopped "$work/node.log" || fail "the node did not log a clean stop"

echo "package-test: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) passed in $((SECONDS - started)) s"
