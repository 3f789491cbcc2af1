"""Consensus under adversity with real daemons: fork resolution, orphan blocks, double spends
(issue 14)."""
from __future__ import annotations

import socket
import time

import lab as lablib
import scenario
import wire
from chaos_api import Case, Context, Outcome
from daemon import wait_until


def fork(ctx: Context) -> Outcome:
    """Three nodes fork twice: first node0 (3 blocks) loses to node1 (4 blocks), then node0
    (6 blocks, one carrying a transaction) beats node2 (2 blocks): every node reorgs to the
    heavier branch each time, and the transaction is confirmed on every node."""
    with scenario.network(ctx, 3, {1: [0], 2: [0, 1]}) as (lab, nodes):
        everyone = list(nodes.values())
        scenario.mine(nodes[0], 101)
        scenario.wait_converged(ctx, everyone)
        first = scenario.split_and_heal(ctx, lab, nodes, [0], [1, 2], 3, 4)
        txid = nodes[0].rpc("sendtoaddress", nodes[0].rpc("getnewaddress"), "5")
        second = scenario.split_and_heal(ctx, lab, nodes, [0], [1, 2], 6, 2)
        for node in everyone:
            assert node.height() == 111, f"{node.name} at {node.height()}, expected 101 + 4 + 6"
            assert scenario.main_chain(node, first), f"{node.name} lost the first fork's winner"
            assert not scenario.in_mempool(node, txid)
        confirmed = [h for h in range(106, 112) if txid in nodes[2].rpc("getblock", nodes[2].rpc("getblockhash", h), 1)["tx"]]
        assert confirmed, "the winning branch's transaction is not in node2's chain"
        return Outcome(2, f"reorgs of 3 and 2 blocks; tip {second[:12]}; tx confirmed at height {confirmed[0]}")


def _serve_reversed(peer: wire.Peer, headers: list[bytes], blocks: dict[str, bytes], done, deadline: float) -> int:
    """Answers getheaders with `headers` and collects getdata requests; whenever the node has
    asked for blocks and then been quiet for 0.3 s, sends them children first. Returns how many
    blocks were sent out of order."""
    pending: list[str] = []
    reversed_sent = 0
    peer.sock.settimeout(0.3)
    while time.monotonic() < deadline and not done():
        try:
            command, payload = peer.receive()
        except socket.timeout:
            if pending:
                for block_hash in reversed(pending):
                    peer.send("block", blocks[block_hash])
                reversed_sent += max(0, len(pending) - 1)
                pending = []
            continue
        if command == "ping":
            peer.send("pong", payload)
        elif command == "getheaders":
            peer.send("headers", wire.headers_payload(headers))
        elif command == "getdata":
            pending += [h for kind, h in wire.parse_inv(payload) if h in blocks and h not in pending]
    return reversed_sent


def orphans(ctx: Context) -> Outcome:
    """A raw peer offers node1 twelve blocks mined by an unconnected node0 and delivers every
    requested batch children first; then it pushes a new block before its parent, unrequested.
    node1 holds the orphans until their parents arrive and ends on node0's tip both times."""
    lablib.require_lab()
    with lablib.Lab(3, log=ctx.log) as lab:
        source = lab.daemon(0, ctx.work_dir, ctx.build_dir).start()
        target = lab.daemon(1, ctx.work_dir, ctx.build_dir).start()
        total_reversed = 0
        peer = wire.Peer(lab.hosts[1].ip, lablib.P2P_PORT, netns=lab.hosts[2].netns)
        for round_blocks in (12, 2):
            hashes = scenario.mine(source, round_blocks)
            headers_all = [bytes.fromhex(source.rpc("getblockheader", source.rpc("getblockhash", h), False))
                           for h in range(1, source.height() + 1)]
            blocks = {h: bytes.fromhex(source.rpc("getblock", h, 0)) for h in hashes}
            if round_blocks == 12:
                peer.handshake(start_height=source.height())
            else:  # the newest block first, unrequested: its parent is unknown to node1
                peer.send("block", blocks[hashes[-1]])
            tip = hashes[-1]
            total_reversed += _serve_reversed(peer, headers_all, blocks, lambda: target.best_hash() == tip,
                                              time.monotonic() + lablib.wait_deadline(ctx, 30))
            assert target.best_hash() == tip, f"node1 at {target.height()}, not on node0's tip"
        assert total_reversed > 0, "no block was delivered before its parent"
        peer.close()
        return Outcome(2, f"14 blocks, {total_reversed} delivered before their parents; node1 at {target.height()}")


def double_spend(ctx: Context) -> Outcome:
    """node0 and node1 share one wallet (a copied data directory) with one mature coin; while
    their halves of the network are apart, each spends that coin to a different payee. When the
    halves meet, each mempool keeps its own spend and refuses the other; node1 mines: exactly its
    spend ends in the chain, and the other is evicted from every mempool."""
    lablib.require_lab()
    with lablib.Lab(4, log=ctx.log) as lab:
        first = lab.daemon(0, ctx.work_dir, ctx.build_dir).start()
        scenario.mine(first, 100)  # regtest: the first coinbase is mature at height 100
        first.stop()
        scenario.clone_datadir(first, "node1", ctx.work_dir)
        first.start()
        second = lab.daemon(1, ctx.work_dir, ctx.build_dir).start()
        third = lab.daemon(2, ctx.work_dir, ctx.build_dir, connect=(lab.hosts[0].target,)).start()
        fourth = lab.daemon(3, ctx.work_dir, ctx.build_dir, connect=(lab.hosts[1].target,)).start()
        everyone = [first, second, third, fourth]
        scenario.wait_converged(ctx, everyone, first.best_hash())
        balance = float(first.rpc("getbalance"))
        assert 0 < balance <= 50, f"expected one mature coin, the wallet has {balance}"
        spend_a = first.rpc("sendtoaddress", third.rpc("getnewaddress"), "30")
        spend_b = second.rpc("sendtoaddress", fourth.rpc("getnewaddress"), "31")
        assert _inputs(first, spend_a) == _inputs(second, spend_b), "the two spends do not conflict"
        wait_until("each spend to reach its half", lambda: scenario.in_mempool(third, spend_a)
                   and scenario.in_mempool(fourth, spend_b), lablib.wait_deadline(ctx, 20))
        second.rpc("addnode", lab.hosts[0].target, "onetry")
        wait_until("the halves to meet", lambda: scenario.connected_peers(second) >= 2,
                   lablib.wait_deadline(ctx, 20))
        time.sleep(2)  # let each half announce its spend to the other
        for node, own, other in ((first, spend_a, spend_b), (third, spend_a, spend_b),
                                 (second, spend_b, spend_a), (fourth, spend_b, spend_a)):
            assert scenario.in_mempool(node, own) and not scenario.in_mempool(node, other), \
                f"{node.name}: mempool {node.rpc('getrawmempool')}"
        block = scenario.mine(second, 1)[-1]
        scenario.wait_converged(ctx, everyone, block)
        for node in everyone:
            assert spend_b in node.rpc("getblock", block, 1)["tx"]
            assert not scenario.in_mempool(node, spend_a), f"{node.name} still holds the evicted spend"
        return Outcome(2, f"spend {spend_b[:12]} confirmed, {spend_a[:12]} evicted on all 4 nodes")


def _inputs(node, txid: str) -> set[tuple[str, int]]:
    tx = node.rpc("getrawtransaction", txid, True)
    return {(vin["txid"], vin["vout"]) for vin in tx["vin"]}


CASES = [
    Case("consensus-fork", "Fork Resolution", "consensus", fork, 120),
    Case("consensus-orphans", "Orphan Block Handling", "consensus", orphans, 90),
    Case("consensus-double-spend", "Double-Spend Attempts", "consensus", double_spend, 90),
]
