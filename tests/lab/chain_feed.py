"""A feeding peer for the storage and resource chaos cases: a plain daemon that mines a regtest
chain, and a daemon under test that syncs it over loopback. Checks shared by those cases (the
same chain as the feeder's, no peer disconnected or banned for the node's own trouble)."""
from __future__ import annotations

import json
import re

from chaos_api import Context
from daemon import Daemon, wait_until

# Disconnect log lines ("disconnected: <direction> <ip>:<port> reason=<why>"); shutdown and the
# --tls=optional plaintext-to-TLS redial are expected, anything else means a link was dropped.
# Honest daemons are on 127.0.0.1; raw flooding peers connect from other loopback addresses
# (wire_peer.FLOOD_SOURCE) and may be dropped.
_DISCONNECT = re.compile(r"disconnected: \S+ 127\.0\.0\.1:\d+ reason=([a-z-]+)")
_EXPECTED_REASONS = {"shutdown", "tls-upgrade"}


def mine(node: Daemon, blocks: int, address: str | None = None) -> None:
    address = address or str(node.rpc("getnewaddress"))
    left = blocks
    while left > 0:
        step = min(left, 5000)
        node.rpc("generatetoaddress", step, address, timeout=300)
        left -= step


def feeder(ctx: Context, blocks: int, name: str = "feeder") -> Daemon:
    node = Daemon(name, ctx.work_dir, ctx.build_dir).start()
    mine(node, blocks)
    return node


def follower(ctx: Context, source: Daemon, name: str = "target", **kwargs) -> Daemon:
    """A daemon (kwargs go to Daemon: wrapper, datadir, args...) that dials `source`."""
    args = (*kwargs.pop("args", ()), f"--addnode=127.0.0.1:{source.p2p_port}")
    return Daemon(name, ctx.work_dir, ctx.build_dir, args=args, **kwargs)


def wait_synced(node: Daemon, source: Daemon, timeout: float) -> int:
    target = source.height()
    wait_until(f"{node.name} to reach height {target}",
               lambda: node.height() == target and node.best_hash() == source.best_hash(), timeout,
               interval=0.5)
    return target


def same_chain(node: Daemon, source: Daemon, up_to: int, samples: int = 40) -> None:
    """Asserts that `node`'s blocks at heights 1..up_to (a spread of samples and the last) are
    `source`'s."""
    step = max(1, up_to // samples)
    for height in sorted({*range(1, up_to + 1, step), up_to}):
        mine_hash, theirs = node.rpc("getblockhash", height), source.rpc("getblockhash", height)
        assert mine_hash == theirs, f"{node.name} has {mine_hash} at height {height}, the feeder {theirs}"


def unexpected_disconnects(node: Daemon) -> list[str]:
    return [m.group(0) for m in _DISCONNECT.finditer(node.log_text())
            if m.group(1) not in _EXPECTED_REASONS]


def assert_no_drops(*nodes: Daemon, logs: bool = True) -> None:
    """On every node: no link to an honest daemon dropped (beyond shutdown and the TLS redial;
    not checked with logs=False, for a node whose peer was stopped on purpose) and no honest
    daemon's address banned."""
    for node in nodes:
        drops = unexpected_disconnects(node) if logs else []
        assert not drops, f"{node.name} dropped a peer: {drops[:3]}"
        banned = [entry for entry in node.rpc("listbanned") if "127.0.0.1" in json.dumps(entry)]
        assert not banned, f"{node.name} banned {banned}"


def stop_all(*nodes: Daemon) -> None:
    """Stops every node that still runs; kills any that does not stop (clean-up paths)."""
    for node in nodes:
        try:
            node.stop()
        except Exception:  # noqa: BLE001 - clean-up must reach every node
            node.kill()
