"""Misbehaving peers against real daemons: malicious, slow, flapping (issue 14). The bad peer is
a raw-socket Python peer (wire.py) on a lab host of its own, so its address is its own."""
from __future__ import annotations

import os
import random
import struct
import time

import lab as lablib
import scenario
import wire
from chaos_api import Case, Context, Outcome
from daemon import wait_until

HONEST = {1: [0], 2: [0, 1]}   # nodes 0, 1, 2 linked pairwise; host 3 is the bad peer
BAD = 3


def _bad_peer(lab, target: int = 0, **kw) -> wire.Peer:
    return wire.Peer(lab.hosts[target].ip, lablib.P2P_PORT, netns=lab.hosts[BAD].netns, **kw)


def _invalid_header(prev_hash: str) -> bytes:
    """A header on our tip with another difficulty than regtest's (and so no valid PoW)."""
    return (struct.pack("<i", 4) + bytes.fromhex(prev_hash)[::-1] + os.urandom(32)
            + struct.pack("<III", int(time.time()), 0x1d00ffff, random.getrandbits(32)))


def _record(node, ip: str) -> dict:
    records = node.rpc("getpeerscore", ip)
    return records[0] if isinstance(records, list) and records else records


def _honest_intact(ctx: Context, lab, nodes: dict) -> str:
    """The honest nodes still link to each other, none is banned anywhere, and a new block
    reaches all of them; returns the tip."""
    for i, node in nodes.items():
        banned = {entry["address"].split("/")[0] for entry in node.rpc("listbanned")}
        for j in nodes:
            assert lab.hosts[j].ip not in banned, f"node{i} banned honest node{j}"
    for i in nodes:
        assert scenario.connected_peers(nodes[i]) >= 2, f"node{i} lost an honest peer"
    tip = scenario.mine(nodes[1], 1)[-1]
    return scenario.wait_converged(ctx, list(nodes.values()), tip, timeout=30)


def malicious(ctx: Context) -> Outcome:
    """A peer sends an oversized addr frame, then wrong-magic garbage (each: disconnected, not
    charged), then a header with an invalid difficulty five times (each: disconnected and one
    protocol violation): after the fifth it is banned, refused at once, and only it."""
    with scenario.network(ctx, 4, HONEST, nodes=[0, 1, 2]) as (lab, nodes):
        scenario.mine(nodes[0], 3)
        scenario.wait_converged(ctx, list(nodes.values()))
        bad_ip = lab.hosts[BAD].ip
        rounds = 0
        for attack in ("oversized", "garbage"):
            peer = _bad_peer(lab)
            peer.handshake()
            peer.send_raw(wire.frame("ping", b"\0" * 8, checksum=b"\0\0\0\0"))  # bad checksum: dropped only
            if attack == "oversized":
                peer.send_raw(wire.frame("addr", wire.compact_size(1001) + b"\0" * 30 * 1001))
            else:
                peer.send_raw(wire.frame("ping", b"\0" * 8, magic=b"\xf9\xbe\xb4\xd9"))
            assert peer.closed_by_node(10), f"the node kept the peer after the {attack} frame"
            peer.close()
            rounds += 1
        record = _record(nodes[0], bad_ip)
        assert record["protocol_violations"] == 0 and not record["banned"], f"charged for frames: {record}"
        for violation in range(1, 6):
            peer = _bad_peer(lab)
            peer.handshake(start_height=nodes[0].height())
            peer.send("headers", wire.headers_payload([_invalid_header(nodes[0].best_hash())]))
            assert peer.closed_by_node(10), f"invalid header {violation}: the peer stayed connected"
            peer.close()
            rounds += 1
            record = wait_until(f"violation {violation} recorded",
                                lambda v=violation: (r := _record(nodes[0], bad_ip))["protocol_violations"] >= v and r,
                                lablib.wait_deadline(ctx, 10))
        assert record["banned"], f"not banned after 5 violations: {record}"
        banned = [entry["address"] for entry in nodes[0].rpc("listbanned")]
        assert any(entry.startswith(bad_ip) for entry in banned), f"listbanned: {banned}"
        refused = _refused(lab)
        assert refused, "a banned peer completed a handshake"
        tip = _honest_intact(ctx, lab, nodes)
        return Outcome(rounds, f"banned after 5 invalid headers (score {record['score']:.0f}); "
                               f"honest tip {tip[:12]}")


def _refused(lab) -> bool:
    try:
        peer = _bad_peer(lab, timeout=5)
        peer.handshake()
    except (ConnectionError, OSError):
        return True
    peer.close()
    return False


def slow(ctx: Context) -> Outcome:
    """A peer asks for ~30 MB of blocks and then reads 2 KiB every 100 ms: the node's memory
    stays within its send-queue cap (8 MiB) plus slack, and honest nodes keep syncing."""
    with scenario.network(ctx, 4, HONEST, nodes=[0, 1, 2]) as (lab, nodes):
        hashes = scenario.mine(nodes[0], 100)
        scenario.wait_converged(ctx, list(nodes.values()))
        _, rss_before = scenario.proc_status(nodes[0])
        peer = _bad_peer(lab, rcvbuf=4096)
        peer.handshake(start_height=100)
        request = wire.inv_payload([(wire.MSG_WITNESS_BLOCK, hashes[i % len(hashes)]) for i in range(5000)])
        requested = 0
        for _ in range(20):
            try:
                peer.send("getdata", request)
                requested += 5000
            except OSError:
                break
        read, peak_rss, disconnected = 0, rss_before, False
        peer.sock.settimeout(0.1)
        for step in range(150):
            try:
                chunk = peer.sock.recv(2048)
                if not chunk:
                    disconnected = True
                    break
                read += len(chunk)
            except TimeoutError:
                pass
            except OSError:
                disconnected = True
                break
            if step % 30 == 0:
                scenario.mine(nodes[1], 1)
                peak_rss = max(peak_rss, scenario.proc_status(nodes[0])[1])
            time.sleep(0.1)
        peak_rss = max(peak_rss, scenario.proc_status(nodes[0])[1])
        growth_mib = (peak_rss - rss_before) / 1024
        assert growth_mib < 8 + 40, f"node0 grew {growth_mib:.0f} MiB serving a slow peer"
        tip = _honest_intact(ctx, lab, nodes)
        peer.close()
        return Outcome(requested // 5000, f"{requested} blocks asked, {read // 1024} KiB read, RSS +{growth_mib:.1f} MiB, "
                                          f"{'disconnected' if disconnected else 'still connected'}; honest tip {tip[:12]}")


def flapping(ctx: Context) -> Outcome:
    """A peer connects and drops 60 times (after the handshake, before it, or mid-frame) while
    the honest nodes mine: no file descriptor or memory is leaked, and honest sync continues."""
    with scenario.network(ctx, 4, HONEST, nodes=[0, 1, 2]) as (lab, nodes):
        scenario.mine(nodes[0], 1)
        for _ in range(3):  # warm up the paths a connection takes once
            _flap(lab, 0)
        time.sleep(1)
        fds_before, rss_before = scenario.proc_status(nodes[0])
        handshakes = 0
        for cycle in range(60):
            handshakes += _flap(lab, cycle)
            if cycle % 20 == 19:
                scenario.mine(nodes[1], 1)
        tip = scenario.wait_converged(ctx, list(nodes.values()), timeout=30)
        fds_after = wait_until("node0's descriptors to return to their level",
                               lambda: (f := scenario.proc_status(nodes[0])[0]) <= fds_before + 2 and f,
                               lablib.wait_deadline(ctx, 20))
        _, rss_after = scenario.proc_status(nodes[0])
        growth_mib = (rss_after - rss_before) / 1024
        assert growth_mib < 16, f"node0 grew {growth_mib:.1f} MiB over 60 flaps"
        assert handshakes > 0, "no flapping connection completed a handshake"
        tip = _honest_intact(ctx, lab, nodes)
        return Outcome(60, f"{handshakes} handshakes; fds {fds_before}->{fds_after}, "
                           f"RSS {growth_mib:+.1f} MiB; honest tip {tip[:12]}")


def _flap(lab, cycle: int) -> int:
    """One connect/drop; returns 1 when a handshake completed."""
    try:
        peer = _bad_peer(lab, timeout=5)
    except OSError:
        return 0
    try:
        if cycle % 3 == 1:
            return 0
        if cycle % 3 == 2:
            peer.send_raw(wire.frame("version", wire.version_payload(peer.ip, peer.port))[:40])
            return 0
        peer.handshake()
        return 1
    except (ConnectionError, OSError):
        return 0
    finally:
        peer.close()


CASES = [
    Case("peer-malicious", "Malicious Peer", "peer", malicious, 90),
    Case("peer-slow", "Slow Peer", "peer", slow, 90),
    Case("peer-flapping", "Frequent Disconnections", "peer", flapping, 90),
]
