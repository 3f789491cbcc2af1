#!/usr/bin/env python3
"""Worst-case resident memory of a parthenon-node whose 125 peers all attack at once (issue 12).

Starts the real daemon (regtest, temporary data directory, TLS off, loopback only,
--maxconnections=125 --maxoutbound=0 so all 125 slots take inbound peers), mines a chain through
RPC (`generatetoaddress`, then as many wallet payments as fit in the time budget and one more
block holding them: the largest block the wallet can practically fill), reads VmRSS, then opens
125 connections that complete the version/verack handshake and attack concurrently, in groups:

  a  getdata        50,000 × MSG_WITNESS_BLOCK of the largest block, repeated; never reads
                    (SO_RCVBUF 4 KiB)
  b1 block-trickle  a `block` frame header claiming 4,000,000 bytes, then the payload at
                    85,000 B/s (just fast enough to beat the partial-payload deadline of
                    10 s + length / 100,000 B/s = 50 s); reconnects when dropped
  b2 block-stall    the same header, 3,999,999 payload bytes at once, then nothing (held until
                    the deadline); reconnects when dropped
  c  getheaders     getheaders from genesis, repeated; never reads (SO_RCVBUF 4 KiB)
  d  headers        full `headers` messages (2,000 each) of a low-work fork from genesis with
                    valid regtest proof of work, each peer its own fork, batch after batch
  e  inv+addr       inv of 50,000 random txids and addr of 1,000 random addresses, alternately
  f  unknown        unknown commands with 4,000,000-byte payloads, back to back
  g  (off unless --group-g N) `tx` messages of ~4,000,000 bytes whose 3,831 inputs each carry
                    1,000 empty witness items: 1 byte on the wire, a 24-byte std::vector in the
                    decoded Transaction (about 92 MB per message), each with a fresh lock time
                    so no two are the same transaction

Peers connect from 127.0.0.10, .11, ... (3 per address, as if the per-IP inbound limit applied;
the daemon exempts loopback from it anyway) and none is whitelisted, so bans and misbehaviour
scores apply as to any peer; a dropped attacker reconnects and attacks again. While the attack runs for
--duration seconds the script samples VmRSS and VmHWM of the daemon every 0.5 s and checks
that RPC `getblockcount` and `GET /metrics` still answer. It prints one row per group (what it
did, connections made and dropped, bytes sent) and the node's figures: RSS before, peak
(highest sample, and VmHWM), after; whether it stayed alive and answering.

Exit status: 0 if the daemon stayed alive, RPC answered throughout and peak RSS < 1 GiB; 1 if
not; 2 on a setup error.

Usage: bench/worst_case_memory.py <parthenon-node> [--duration 60] [--json FILE]
"""
import argparse
import json
import os
import random
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from p2p_bench_lib import (Node, compact_size, frame, frame_header, handshake,  # noqa: E402
                           proc_status_kib, sha256d)

GIB_KIB = 1024 * 1024
MSG_TX = 1
MSG_WITNESS_BLOCK = 0x40000002
REGTEST_BITS = 0x207fffff
REGTEST_TARGET = 0x7fffff << (8 * (0x20 - 3))
CLAIMED_BLOCK_BYTES = 4_000_000
TRICKLE_RATE = 85_000  # B/s: a 4 MB payload ends after ~47 s, inside the 50 s deadline


# ---- the chain ----

def build_chain(node, blocks, fill_seconds):
    """Mines `blocks` blocks, then pays the wallet to itself until funds or time run out and
    mines one block with those payments. Returns (height, hash and size of the largest block)."""
    address = node.rpc("getnewaddress")
    done = 0
    while done < blocks:
        step = min(500, blocks - done)
        node.rpc("generatetoaddress", step, address, timeout=120)
        done += step
    payments = 0
    deadline = time.time() + fill_seconds
    while time.time() < deadline:
        try:
            node.rpc("sendtoaddress", address, 500)  # 10 coinbase inputs each
        except RuntimeError:
            break
        payments += 1
    best = node.rpc("generatetoaddress", 1, address)[0]
    block = node.rpc("getblock", best, 1)
    return node.rpc("getblockcount"), best, block["size"], payments


def fork_headers(genesis_hash, genesis_time, count, salt):
    """`count` headers of a fork from genesis with valid regtest PoW (each peer its own fork)."""
    headers = []
    prev = genesis_hash
    rng = random.Random(salt)
    for i in range(count):
        merkle = rng.randbytes(32)
        timestamp = genesis_time + 1 + i
        nonce = 0
        while True:
            header = struct.pack("<i", 0x20000000) + prev + merkle + struct.pack("<III", timestamp, REGTEST_BITS, nonce)
            digest = sha256d(header)
            if int.from_bytes(digest, "little") <= REGTEST_TARGET:
                break
            nonce += 1
        headers.append(header)
        prev = digest
    return headers


# ---- attackers ----

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connects = 0
        self.refused = 0
        self.drops = 0
        self.bytes_sent = 0
        self.messages = 0

    def add(self, **kw):
        with self.lock:
            for key, value in kw.items():
                setattr(self, key, getattr(self, key) + value)


class Attacker(threading.Thread):
    """One peer: connects, handshakes, runs its attack until the end time; reconnects (after
    a short pause) if the node drops it."""

    def __init__(self, group, index, node, source_ip, stop_at, stats, rcvbuf=None, reconnect=True):
        super().__init__(daemon=True)
        self.group, self.index, self.node = group, index, node
        self.source_ip, self.stop_at, self.stats = source_ip, stop_at, stats
        self.rcvbuf, self.reconnect = rcvbuf, reconnect
        self.ready = threading.Event()

    def run(self):
        first = True
        while time.time() < self.stop_at:
            try:
                sock = handshake(self.node.p2p_port, random.getrandbits(63), self.source_ip, self.rcvbuf)
            except (OSError, RuntimeError):
                self.stats.add(refused=1)
                if first:
                    self.ready.set()
                time.sleep(1.0)
                continue
            self.stats.add(connects=1)
            if first:
                self.ready.set()
                first = False
            sock.setblocking(False)
            try:
                self.attack(sock)
            except (OSError, RuntimeError):
                pass
            finally:
                sock.close()
            if time.time() < self.stop_at:
                self.stats.add(drops=1)
                if not self.reconnect:
                    return
                time.sleep(0.5)
        self.ready.set()

    # Sends `data` (all of it, unless the time is up) without ever reading if `read` is False.
    def send(self, sock, data, read, rate=None):
        view = memoryview(data)
        started = time.time()
        sent = 0
        while sent < len(view):
            now = time.time()
            if now >= self.stop_at:
                raise RuntimeError("time up")
            limit = len(view)
            if rate:
                limit = min(limit, int((now - started) * rate) + 1)
                if sent >= limit:
                    time.sleep(0.05)
                    continue
            _, writable, _ = select.select([], [sock], [], 0.25)
            if read:
                self.drain(sock)
            if not writable:
                continue
            n = sock.send(view[sent:min(limit, sent + 65536)])
            sent += n
            self.stats.add(bytes_sent=n)
        self.stats.add(messages=1)

    @staticmethod
    def drain(sock):
        while True:
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                return
            if not chunk:
                raise RuntimeError("closed by the node")

    def idle(self, sock, seconds, read=True):
        end = min(self.stop_at, time.time() + seconds)
        while time.time() < end:
            readable, _, _ = select.select([sock], [], [], 0.25)
            if readable and read:
                self.drain(sock)
            elif readable:
                # Not reading, but a closed connection shows as readable with no data queued;
                # peek to tell the two apart.
                try:
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        raise RuntimeError("closed by the node")
                except BlockingIOError:
                    pass
                time.sleep(0.25)


class GetDataFlood(Attacker):
    what = "getdata 50,000 x MSG_WITNESS_BLOCK (largest block), repeated, never reads"

    def __init__(self, *a, block_hash, **kw):
        super().__init__(*a, rcvbuf=4096, **kw)
        item = struct.pack("<I", MSG_WITNESS_BLOCK) + block_hash
        self.message = frame("getdata", compact_size(50_000) + item * 50_000)

    def attack(self, sock):
        while True:
            self.send(sock, self.message, read=False)


class BlockTrickle(Attacker):
    what = f"block header claiming {CLAIMED_BLOCK_BYTES:,} B, payload at {TRICKLE_RATE:,} B/s"

    def attack(self, sock):
        payload = random.randbytes(CLAIMED_BLOCK_BYTES)
        self.send(sock, frame("block", payload), read=True, rate=TRICKLE_RATE)
        self.idle(sock, 3600)  # a random block is invalid: wait to be dropped, then reconnect


class BlockStall(Attacker):
    what = f"block header claiming {CLAIMED_BLOCK_BYTES:,} B, {CLAIMED_BLOCK_BYTES - 1:,} B sent, then stalls"

    def attack(self, sock):
        payload = random.randbytes(CLAIMED_BLOCK_BYTES - 1)
        self.send(sock, frame_header("block", CLAIMED_BLOCK_BYTES, b"\0\0\0\0") + payload, read=True)
        self.idle(sock, 3600)


class GetHeadersFlood(Attacker):
    what = "getheaders from genesis (2,000 headers back each), repeated, never reads"

    def __init__(self, *a, genesis_hash, **kw):
        super().__init__(*a, rcvbuf=4096, **kw)
        payload = struct.pack("<I", 70016) + compact_size(1) + genesis_hash + bytes(32)
        self.message = frame("getheaders", payload)

    def attack(self, sock):
        batch = self.message * 100
        while True:
            self.send(sock, batch, read=False)


class HeadersFork(Attacker):
    what = "headers: 2,000-header batches of its own low-work fork from genesis (valid PoW)"

    def __init__(self, *a, batches, **kw):
        super().__init__(*a, **kw)
        self.batches = batches

    def attack(self, sock):
        while True:
            for batch in self.batches:
                self.send(sock, batch, read=True)
                self.idle(sock, 0.2)


class InvAddrSpam(Attacker):
    what = "inv of 50,000 random txids and addr of 1,000 random addresses, alternately"

    def attack(self, sock):
        rng = random.Random(self.index)
        now = int(time.time())
        while True:
            inv = compact_size(50_000) + b"".join(
                struct.pack("<I", MSG_TX) + rng.randbytes(32) for _ in range(50_000))
            self.send(sock, frame("inv", inv), read=True)
            addrs = b"".join(
                struct.pack("<IQ", now - rng.randrange(3600), 1) + bytes(10) + b"\xff\xff"
                + bytes([rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)])
                + struct.pack(">H", 8333) for _ in range(1000))
            self.send(sock, frame("addr", compact_size(1000) + addrs), read=True)


class UnknownCommand(Attacker):
    what = "unknown command with a 4,000,000-byte payload, back to back"

    def attack(self, sock):
        message = frame("xyzzy", random.randbytes(4_000_000))
        while True:
            self.send(sock, message, read=True)


class WitnessAmplifiedTx(Attacker):
    what = "tx of ~4 MB: 3,831 inputs x 1,000 empty witness items (~92 MB decoded), back to back"
    INPUTS = 3831
    ITEMS = 1000

    def attack(self, sock):
        rng = random.Random(self.index)
        inputs = b"".join(rng.randbytes(32) + struct.pack("<I", 0) + b"\0" + struct.pack("<I", 0xffffffff)
                          for _ in range(self.INPUTS))
        output = struct.pack("<q", 0) + bytes([2, 0x6a, 0])  # OP_RETURN OP_0, value 0
        witness = (compact_size(self.ITEMS) + b"\0" * self.ITEMS) * self.INPUTS
        body = (struct.pack("<i", 2) + b"\0\1" + compact_size(self.INPUTS) + inputs + compact_size(1) + output
                + witness)
        lock_time = rng.randrange(1 << 30)
        while True:
            lock_time += 1
            self.send(sock, frame("tx", body + struct.pack("<I", lock_time)), read=True)


# ---- measurement ----

class Sampler(threading.Thread):
    """VmRSS/VmHWM every 0.5 s; RPC getblockcount and /metrics every second."""

    def __init__(self, node, stop_at):
        super().__init__(daemon=True)
        self.node, self.stop_at = node, stop_at
        self.samples = []  # (t, rss KiB, hwm KiB)
        self.rpc_ok = self.rpc_failed = self.metrics_ok = self.metrics_failed = 0
        self.rpc_max_latency = 0.0
        self.died = False

    def run(self):
        t0 = time.time()
        next_rpc = t0
        while time.time() < self.stop_at:
            if not self.node.alive():
                self.died = True
                return
            try:
                self.samples.append((time.time() - t0, proc_status_kib(self.node.pid, "VmRSS"),
                                     proc_status_kib(self.node.pid, "VmHWM")))
            except (OSError, AttributeError):
                self.died = True
                return
            if time.time() >= next_rpc:
                next_rpc += 1.0
                started = time.time()
                try:
                    self.node.rpc("getblockcount", timeout=5)
                    self.rpc_ok += 1
                    self.rpc_max_latency = max(self.rpc_max_latency, time.time() - started)
                except Exception:
                    self.rpc_failed += 1
                try:
                    if b"parthenon_" in self.node.get("/metrics", timeout=5):
                        self.metrics_ok += 1
                    else:
                        self.metrics_failed += 1
                except Exception:
                    self.metrics_failed += 1
            time.sleep(0.5)


def mib(kib):
    return f"{kib / 1024:.1f}"


def run(args):
    node = Node(args.node, ["--maxconnections=125", "--maxoutbound=0", f"--loglevel={args.loglevel}"],
                prefix="parthenon-worst-case.")
    try:
        return attack(node, args)
    finally:
        node.close(keep_log_to=args.keep_log)


def attack(node, args):
    t_setup = time.time()
    height, best, best_size, payments = build_chain(node, args.blocks, args.fill_seconds)
    genesis_hex = node.rpc("getblockhash", 0)
    genesis_header = bytes.fromhex(node.rpc("getblockheader", genesis_hex, False))
    genesis_hash = bytes.fromhex(genesis_hex)[::-1]
    (genesis_time,) = struct.unpack("<I", genesis_header[68:72])
    block_hash = bytes.fromhex(best)[::-1]

    if sum(getattr(args, f"group_{g}") for g in ("a", "b1", "b2", "c", "d", "e", "f", "g")) > 125:
        raise RuntimeError("at most 125 attacking peers (the node's connection slots)")
    plan = [("a", GetDataFlood, args.group_a), ("b1", BlockTrickle, args.group_b1),
            ("b2", BlockStall, args.group_b2), ("c", GetHeadersFlood, args.group_c),
            ("d", HeadersFork, args.group_d), ("e", InvAddrSpam, args.group_e),
            ("f", UnknownCommand, args.group_f), ("g", WitnessAmplifiedTx, args.group_g)]
    total = sum(n for _, _, n in plan)
    # Forks: each headers peer its own, as long as kMaxHeldHeaders + one batch (held, then
    # dropped), and below the anti-DoS threshold (tip work - 144 blocks), so none is stored.
    fork_length = min(6000, max(2000, (height - 200) // 2000 * 2000))
    forks = []
    for i in range(args.group_d):
        headers = fork_headers(genesis_hash, genesis_time, fork_length, salt=i)
        forks.append([frame("headers", compact_size(2000) + b"".join(h + b"\0" for h in headers[j:j + 2000]))
                      for j in range(0, fork_length, 2000)])
    setup_seconds = time.time() - t_setup
    print(f"chain: height {height}, largest block {best_size:,} B ({payments} wallet payments), "
          f"setup {setup_seconds:.0f} s; {total} attacking peers, fork length {fork_length}", file=sys.stderr)

    time.sleep(1.0)
    rss_before = proc_status_kib(node.pid, "VmRSS")
    hwm_before = proc_status_kib(node.pid, "VmHWM")
    stop_at = time.time() + args.duration + 10  # + connection time
    attackers = []
    groups = []
    peer = 0
    for name, cls, count in plan:
        stats = Stats()
        members = []
        for i in range(count):
            source_ip = f"127.0.0.{10 + peer // 3}"  # 3 per IP, as the per-IP inbound limit
            peer += 1
            kwargs = {}
            if cls is GetDataFlood:
                kwargs["block_hash"] = block_hash
            elif cls is GetHeadersFlood:
                kwargs["genesis_hash"] = genesis_hash
            elif cls is HeadersFork:
                kwargs["batches"] = forks[i]
            members.append(cls(name, peer, node, source_ip, stop_at, stats, **kwargs))
        groups.append((name, cls, count, stats))
        attackers.extend(members)
    for a in attackers:
        a.start()
    for a in attackers:
        a.ready.wait(timeout=30)
    connected = sum(1 for p in node.rpc("getpeerinfo") if p["state"] == "connected")
    print(f"{connected} peers connected; attacking for {args.duration} s", file=sys.stderr)
    sampler = Sampler(node, time.time() + args.duration)
    sampler.start()
    sampler.join()
    alive = node.alive() and not sampler.died
    peak_rss = max((s[1] for s in sampler.samples), default=0)
    hwm = sampler.samples[-1][2] if sampler.samples else 0
    peers_during = 0
    try:
        peers_during = sum(1 for p in node.rpc("getpeerinfo") if p["state"] == "connected")
    except Exception:
        pass
    # Stop the attackers, let the node notice, read RSS after.
    for a in attackers:
        a.stop_at = 0
    for a in attackers:
        a.join(timeout=5)
    time.sleep(3.0)
    rss_after = proc_status_kib(node.pid, "VmRSS") if node.alive() else 0
    rpc_ok = sampler.rpc_failed == 0 and sampler.metrics_failed == 0 and sampler.rpc_ok > 0

    print()
    print(f"| group | peers | what each peer did | connections (drops) | MiB sent |")
    print(f"| --- | ---: | --- | ---: | ---: |")
    for name, cls, count, stats in groups:
        if count == 0:
            continue
        print(f"| {name} | {count} | {cls.what} | {stats.connects} ({stats.drops}) | {stats.bytes_sent / 2**20:,.0f} |")
    print()
    print("| daemon | value |")
    print("| --- | --- |")
    print(f"| chain | height {height}, largest block {best_size:,} bytes |")
    print(f"| RSS before attack | {mib(rss_before)} MiB (VmHWM so far {mib(hwm_before)} MiB, from mining) |")
    print(f"| RSS peak during attack (0.5 s samples) | {mib(peak_rss)} MiB |")
    print(f"| VmHWM at the end (process lifetime) | {mib(hwm)} MiB |")
    print(f"| RSS after (3 s after the attack) | {mib(rss_after)} MiB |")
    print(f"| peers connected at the end of the attack | {peers_during} |")
    print(f"| alive | {'yes' if alive else 'NO'} |")
    print(f"| RPC getblockcount / GET /metrics answered | {sampler.rpc_ok}/{sampler.rpc_ok + sampler.rpc_failed}, "
          f"{sampler.metrics_ok}/{sampler.metrics_ok + sampler.metrics_failed} "
          f"(slowest getblockcount {sampler.rpc_max_latency * 1000:.0f} ms) |")
    verdict = alive and rpc_ok and peak_rss < GIB_KIB and hwm < GIB_KIB
    print(f"| verdict | {'PASS' if verdict else 'FAIL'}: peak < 1 GiB, alive, RPC answered |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"height": height, "largest_block_bytes": best_size, "rss_before_kib": rss_before,
                       "peak_rss_kib": peak_rss, "hwm_kib": hwm, "rss_after_kib": rss_after, "alive": alive,
                       "rpc_ok": rpc_ok, "samples": sampler.samples,
                       "groups": {name: vars(stats) | {"peers": count} for name, _, count, stats in groups}},
                      f, default=str, indent=1)
    return 0 if verdict else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("node")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of sampling under attack")
    parser.add_argument("--blocks", type=int, default=4400,
                        help="blocks mined first (the fork of group d stays below tip work - 144 blocks)")
    parser.add_argument("--fill-seconds", type=float, default=15.0,
                        help="time spent on wallet payments that fill the largest block")
    for group, default in (("a", 20), ("b1", 15), ("b2", 15), ("c", 15), ("d", 20), ("e", 20), ("f", 20), ("g", 0)):
        parser.add_argument(f"--group-{group}", type=int, default=default, help=f"peers in group {group}")
    parser.add_argument("--json", help="also write the figures and samples here")
    parser.add_argument("--keep-log", help="copy the node's log here")
    parser.add_argument("--loglevel", default="warn", help="the node's --loglevel (info shows each disconnect)")
    args = parser.parse_args()
    try:
        return run(args)
    except (OSError, RuntimeError) as e:
        print(f"setup error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
