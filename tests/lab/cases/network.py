"""Network faults on real links: partition, packet loss, latency, bandwidth (issue 14)."""
from __future__ import annotations

import lab as lablib
import scenario
from chaos_api import Case, Context, Outcome
from daemon import wait_until

# Every pair of four hosts linked once (node i dials every j < i).
MESH4 = {1: [0], 2: [0, 1], 3: [0, 1, 2]}


def partition(ctx: Context) -> Outcome:
    """Splits four nodes 2|2, mines 2 blocks on one side and 4 on the other, heals: every node
    ends on the side with more work, and the other side's blocks leave the main chain."""
    with scenario.network(ctx, 4, MESH4) as (lab, nodes):
        everyone = list(nodes.values())
        scenario.wait_converged(ctx, everyone, scenario.mine(nodes[0], 1)[-1])
        scenario.split_and_heal(ctx, lab, nodes, [0, 1], [2, 3], 2, 4)
        for node in everyone:
            assert node.height() == 5, f"{node.name} at height {node.height()}, expected 5"
        return Outcome(1, "2|2 split, 2 vs 4 blocks, all 4 nodes on the heavier branch after heal")


def packet_loss(ctx: Context) -> Outcome:
    """10 % of the packets every host receives are dropped (nft numgen) while 20 blocks and 5
    transactions are made one at a time: every block and every transaction reaches all nodes."""
    links = {1: [0], 2: [1], 3: [2, 0]}
    with scenario.network(ctx, 4, links) as (lab, nodes):
        everyone = list(nodes.values())
        scenario.mine(nodes[0], 101)
        scenario.wait_converged(ctx, everyone, timeout=60)
        lab.set_loss(10)
        payee = nodes[2].rpc("getnewaddress")
        txids, last = [], None
        for i in range(20):
            if i % 4 == 0:
                txids.append(nodes[0].rpc("sendtoaddress", payee, "1.5"))
            miner = nodes[i % 2 * 3]  # node0 and node3 alternately, each on the other's last block
            if last:
                wait_until(f"{miner.name} to receive block {i}", lambda: miner.best_hash() == last,
                           lablib.wait_deadline(ctx, 30), interval=0.05)
            last = scenario.mine(miner, 1)[-1]
        tip = scenario.wait_converged(ctx, everyone, timeout=120)
        dropped = sum(lab.dropped(i) for i in range(4))
        assert dropped > 0, "the loss rule dropped nothing"
        for node in everyone:
            assert node.height() == 121, f"{node.name} at {node.height()}"
        mempool_left = [t for t in txids if scenario.in_mempool(nodes[0], t)]
        if mempool_left:  # sent just before the last block: one more block confirms them
            tip = scenario.wait_converged(ctx, everyone, scenario.mine(nodes[0], 1)[-1], timeout=120)
        confirmed = {t for b in _blocks_since(nodes[1], 102) for t in b["tx"]}
        lost = [t for t in txids if t not in confirmed]
        assert not lost, f"transactions lost under loss: {lost}"
        return Outcome(20, f"10% loss, {dropped} packets dropped, tip {tip[:12]}, {len(txids)} txs confirmed")


def _blocks_since(node, height: int) -> list[dict]:
    return [node.rpc("getblock", node.rpc("getblockhash", h), 1) for h in range(height, node.height() + 1)]


def latency(ctx: Context) -> Outcome:
    """A line 0 - 1 - 2 with one-way delays of 300 ms and 1000 ms: netem where the kernel has it,
    else the delaying relay in each dialler's namespace. All three nodes start from one
    101-block chain. A transaction from node0 reaches node2, five blocks mined one at a time on
    node2 reach every node, and node2's ping round trip is at least the injected 2 s."""
    lablib.require_lab()
    delays = {1: (0, 0.3), 2: (1, 1.0)}  # dialler: (target, one-way delay)
    netem = lablib.netem_available()
    with lablib.Lab(3, log=ctx.log) as lab:
        origin = lab.daemon(0, ctx.work_dir, ctx.build_dir).start()
        scenario.mine(origin, 101)
        origin.stop()
        for i in delays:
            scenario.clone_datadir(origin, f"node{i}", ctx.work_dir)
        nodes = {0: origin.start()}
        if netem:  # per-host delays whose pairwise means are the link delays: 0, 0.6, 1.4
            for i, seconds in ((1, 0.6), (2, 1.4)):
                lab.set_host_delay(i, seconds)
        for i, (target, delay) in delays.items():
            if netem:
                dial = lab.hosts[target].target
            else:
                lab.relay(i, [(19000 + target, lab.hosts[target].target, delay)], ctx.work_dir)
                dial = f"127.0.0.1:{19000 + target}"
            nodes[i] = lab.daemon(i, ctx.work_dir, ctx.build_dir, connect=(dial,)).start()
        everyone = list(nodes.values())
        for i, (target, delay) in delays.items():
            # Connected on both ends before anything is relayed (a new peer is not sent the
            # mempool), and the target sees the dialler's own address, not the relay's.
            wait_until(f"node{i} and node{target} to complete their handshake (node{i}'s own address)",
                       lambda i=i, t=target: scenario.connected_peers(nodes[i]) >= 1 and any(
                           p["addr"].startswith(lab.hosts[i].ip + ":") and p["state"] == "connected"
                           for p in nodes[t].rpc("getpeerinfo")), lablib.wait_deadline(ctx, 30))
        txid = nodes[0].rpc("sendtoaddress", nodes[2].rpc("getnewaddress"), "2")
        wait_until("the transaction to reach node2 over 1.3 s of one-way delay",
                   lambda: scenario.in_mempool(nodes[2], txid), lablib.wait_deadline(ctx, 30))
        for _ in range(5):
            scenario.mine(nodes[2], 1)
        scenario.wait_converged(ctx, everyone, nodes[2].best_hash(), timeout=60)
        assert nodes[0].height() == 106, f"node0 at {nodes[0].height()}, expected 106"
        assert not scenario.in_mempool(nodes[0], txid), "the transaction was not confirmed"
        nodes[2].rpc("ping")
        ping = wait_until("node2's ping round trip", lambda: nodes[2].rpc("getpeerinfo")[0].get("pingtime"),
                          lablib.wait_deadline(ctx, 15))
        assert ping >= 2 * 1.0, f"node2's round trip {ping:.3f} s is below the injected 2 s"
        method = "netem" if netem else "relay (no netem in this kernel)"
        return Outcome(6, f"one-way 300 ms + 1000 ms via {method}; node2 ping {ping:.2f} s; 5 blocks, 1 tx")


def bandwidth(ctx: Context) -> Outcome:
    """Both ends of node1's link capped at 256 kbit/s (tc tbf): node1 syncs 150 blocks and a
    block full of the wallet's transactions, and relays them on to node2."""
    links = {1: [0], 2: [1]}
    with scenario.network(ctx, 3, links) as (lab, nodes):
        everyone = list(nodes.values())
        lab.set_bandwidth(1, "256kbit")
        scenario.mine(nodes[0], 150)
        scenario.wait_converged(ctx, everyone, timeout=90)
        payee = nodes[2].rpc("getnewaddress")
        txids = [nodes[0].rpc("sendtoaddress", payee, "1") for _ in range(40)]
        wait_until("40 transactions to cross the throttled link",
                   lambda: all(scenario.in_mempool(nodes[2], t) for t in txids), lablib.wait_deadline(ctx, 60))
        block = scenario.mine(nodes[0], 1)[-1]
        scenario.wait_converged(ctx, everyone, block, timeout=60)
        size = nodes[2].rpc("getblock", block, 1)["size"]
        sent = nodes[1].rpc("getnettotals")["totalbytesrecv"]
        return Outcome(1, f"256 kbit/s tbf; 151 blocks, last {size} bytes with 41 txs; node1 received {sent} bytes")


CASES = [
    Case("network-partition", "Network Partition", "network", partition, 120),
    Case("network-packet-loss", "Packet Loss (10%)", "network", packet_loss, 180),
    Case("network-latency", "Network Latency (300-1000ms)", "network", latency, 120),
    Case("network-bandwidth", "Bandwidth Throttling (256kbit)", "network", bandwidth, 150),
]
