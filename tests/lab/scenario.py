"""Building blocks the lab's chaos cases share: a lab of connected nodes, mining, waiting for
convergence, and reading a daemon's resource use from /proc."""
from __future__ import annotations

import contextlib
import pathlib
import shutil

import chaos_api
import lab as lablib
from daemon import Daemon, DaemonError, wait_until


@contextlib.contextmanager
def network(ctx: chaos_api.Context, hosts: int, links: dict[int, list[int]], *,
            nodes: list[int] | None = None, args: tuple[str, ...] = ()):
    """A lab of `hosts` hosts with a node on each host in `nodes` (default: all); node i dials
    links[i] by --connect. Yields (lab, daemons by host index) once every link is up."""
    lablib.require_lab()
    with lablib.Lab(hosts, log=ctx.log) as lab:
        daemons: dict[int, Daemon] = {}
        for i in nodes if nodes is not None else range(hosts):
            targets = tuple(lab.hosts[j].target for j in links.get(i, []))
            daemons[i] = lab.daemon(i, ctx.work_dir, ctx.build_dir, connect=targets, args=args).start()
        expected = {i: 0 for i in daemons}
        for i, targets in links.items():
            for j in targets:
                expected[i] += 1
                expected[j] += 1
        for i, node in daemons.items():
            wait_until(f"node{i} to have {expected[i]} peers",
                       lambda node=node, want=expected[i]: connected_peers(node) >= want,
                       lablib.wait_deadline(ctx, 30))
        yield lab, daemons


def connected_peers(node: Daemon) -> int:
    return sum(1 for peer in node.rpc("getpeerinfo") if peer.get("state", "connected") == "connected")


def mine(node: Daemon, blocks: int) -> list[str]:
    address = node.rpc("getnewaddress")
    return node.rpc("generatetoaddress", blocks, address, timeout=120)


def wait_converged(ctx: chaos_api.Context, nodes: list[Daemon], tip: str | None = None,
                   timeout: float = 60) -> str:
    """Waits until every node has the same tip (`tip` if given) and returns it."""
    what = f"all {len(nodes)} nodes to reach " + (tip[:16] if tip else "one tip")
    return wait_until(what, lambda: (found := lablib.converged(nodes)) and (tip is None or found == tip)
                      and found, lablib.wait_deadline(ctx, timeout), interval=0.25)


def proc_status(node: Daemon) -> tuple[int, int]:
    """(open file descriptors, VmRSS in KiB) of the node's process."""
    pid = node.proc.pid
    fds = len(list(pathlib.Path(f"/proc/{pid}/fd").iterdir()))
    rss = 0
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return fds, rss


def in_mempool(node: Daemon, txid: str) -> bool:
    return txid in node.rpc("getrawmempool")


def main_chain(node: Daemon, block_hash: str, unknown_is_off: bool = False) -> bool:
    """True if block_hash is on node's active chain. An unknown block is an error, or with
    unknown_is_off simply not on it (RPC error -5: the node never received its header)."""
    try:
        return node.rpc("getblockheader", block_hash)["confirmations"] > 0
    except DaemonError as e:
        if unknown_is_off and "error code: -5" in str(e):
            return False
        raise


def split_and_heal(ctx: chaos_api.Context, lab, nodes: dict[int, Daemon], side_a: list[int],
                   side_b: list[int], blocks_a: int, blocks_b: int) -> str:
    """Partitions side_a from side_b, mines blocks_a blocks on side_a's first node and blocks_b on
    side_b's, waits for each side to agree, heals, and checks that every node ends on the branch
    with more blocks (equal difficulty: more work) and that the other branch left the main chain.
    Returns the winning tip."""
    lab.partition(side_a, side_b)
    branch_a = mine(nodes[side_a[0]], blocks_a)
    branch_b = mine(nodes[side_b[0]], blocks_b)
    wait_converged(ctx, [nodes[i] for i in side_a], branch_a[-1], timeout=30)
    wait_converged(ctx, [nodes[i] for i in side_b], branch_b[-1], timeout=30)
    heavy, light = (branch_a, branch_b) if blocks_a > blocks_b else (branch_b, branch_a)
    lab.heal()
    everyone = list(nodes.values())
    wait_converged(ctx, everyone, heavy[-1], timeout=90)
    # A node of the heavier side may never hear of the lighter branch: its announcements were
    # sent into the partition, and the other side may switch to the heavier tip before TCP
    # retransmits them.
    for node in everyone:
        assert not any(main_chain(node, h, unknown_is_off=True) for h in light), \
            f"{node.name} kept the lighter branch"
    return heavy[-1]


def clone_datadir(source: Daemon, copy_name: str, work_dir: pathlib.Path) -> None:
    """Copies a stopped node's data directory (chain, wallet) for the node named copy_name."""
    skip = shutil.ignore_patterns(".lock", "*.pid", ".cookie")
    shutil.copytree(source.datadir, work_dir / copy_name, ignore=skip)
