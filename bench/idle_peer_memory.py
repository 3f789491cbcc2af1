#!/usr/bin/env python3
"""Resident memory a running parthenon-node spends per idle, handshaken peer.

Starts the real daemon (regtest, a temporary data directory, loopback, TLS off so every link is
plaintext, the per-IP inbound limit lifted for 127.0.0.1), opens one warm-up connection, reads
the daemon's VmRSS, then opens N more raw TCP connections that each complete the version
handshake (our `version`, the node's `version` + `verack`, our `verack`), waits until the node's
RPC reports all of them connected, lets it settle, and reads VmRSS again:
per-peer KiB = (after - before) / N. The node runs in its own process, so nothing another
benchmark allocated is counted (or freed into the measurement).

Output: Google Benchmark-shaped JSON on stdout (one run "BM_IdlePeerMemory/<N>" with the
counters per_peer_KiB, rss_added_KiB, rss_before_KiB), which scripts/bench_table_report.py reads
with the other programs' results.

Usage: bench/idle_peer_memory.py <parthenon-node> [--peers 125] [--repetitions 3]
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

REGTEST_MAGIC = bytes.fromhex("fabfb5da")
PROTOCOL_VERSION = 70016


def frame(command, payload):
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return REGTEST_MAGIC + command.encode().ljust(12, b"\0") + struct.pack("<I", len(payload)) + checksum + payload


def net_addr(port):
    return struct.pack("<Q", 0) + bytes(10) + b"\xff\xff" + socket.inet_aton("127.0.0.1") + struct.pack(">H", port)


def version_message(nonce, port):
    agent = b"/idle-peer-memory:1/"
    payload = (struct.pack("<iQq", PROTOCOL_VERSION, 0, int(time.time())) + net_addr(port) + net_addr(0)
               + struct.pack("<Q", nonce) + bytes([len(agent)]) + agent + struct.pack("<i", 0) + b"\0")
    return frame("version", payload)


def read_frame(sock):
    header = recv_exact(sock, 24)
    if header[:4] != REGTEST_MAGIC:
        raise RuntimeError("bad magic from the node")
    command = header[4:16].rstrip(b"\0").decode()
    (length,) = struct.unpack("<I", header[16:20])
    recv_exact(sock, length)
    return command


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise RuntimeError("the node closed the connection during the handshake")
        data += chunk
    return data


def handshake(port, nonce):
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(version_message(nonce, port))
    seen = set()
    while not {"version", "verack"} <= seen:
        seen.add(read_frame(sock))
    sock.sendall(frame("verack", b""))
    return sock


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


class Node:
    def __init__(self, binary, peers):
        self.dir = tempfile.mkdtemp(prefix="parthenon-idle-peers.")
        self.log = open(os.path.join(self.dir, "node.log"), "w+")
        self.process = subprocess.Popen(
            [binary, "--chain=regtest", f"--datadir={self.dir}", "--bind=127.0.0.1", "--port=0", "--rpcport=0",
             "--tls=off", "--whitelist=127.0.0.1", f"--maxconnections={peers + 8}", "--maxoutbound=0",
             "--loglevel=warn"], stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            self.log.seek(0)
            m = re.search(r"P2P port (\d+), RPC port (\d+)", self.log.read())
            if m:
                self.p2p_port, self.rpc_port = int(m.group(1)), int(m.group(2))
                break
            if self.process.poll() is not None:
                raise RuntimeError("parthenon-node exited at start:\n" + open(self.log.name).read())
            time.sleep(0.1)
        else:
            raise RuntimeError("parthenon-node did not start")
        with open(os.path.join(self.dir, "regtest", ".cookie")) as f:
            self.auth = "Basic " + base64.b64encode(f.read().strip().encode()).decode()

    def rpc(self, method):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.rpc_port}/", body,
                                         {"Authorization": self.auth, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["result"]

    def wait_connected(self, count):
        deadline = time.time() + 30
        while time.time() < deadline:
            peers = self.rpc("getpeerinfo")
            if sum(1 for p in peers if p["state"] == "connected") >= count:
                return
            time.sleep(0.1)
        raise RuntimeError(f"the node did not report {count} connected peers")

    def close(self):
        try:
            self.rpc("stop")
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def measure(binary, peers, settle):
    node = Node(binary, peers)
    sockets = []
    try:
        sockets.append(handshake(node.p2p_port, 1))  # warm-up: allocator arenas, Asio internals
        node.wait_connected(1)
        time.sleep(settle)
        before = rss_kib(node.process.pid)
        for i in range(peers):
            sockets.append(handshake(node.p2p_port, i + 2))
        node.wait_connected(peers + 1)
        time.sleep(settle)
        after = rss_kib(node.process.pid)
        return before, after
    finally:
        for s in sockets:
            s.close()
        node.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("node")
    parser.add_argument("--peers", type=int, default=125)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--settle", type=float, default=1.0, help="seconds to wait before each reading")
    args = parser.parse_args()
    runs = [measure(args.node, args.peers, args.settle) for _ in range(args.repetitions)]
    added = [after - before for before, after in runs]
    median = statistics.median(added)
    name = f"BM_IdlePeerMemory/{args.peers}"
    result = {
        "context": {"executable": os.path.abspath(__file__), "num_cpus": os.cpu_count()},
        "benchmarks": [{
            "name": name, "run_name": name, "run_type": "iteration", "repetitions": args.repetitions,
            "iterations": 1, "real_time": 0, "time_unit": "ms",
            "per_peer_KiB": median / args.peers, "rss_added_KiB": median,
            "rss_before_KiB": statistics.median(b for b, _ in runs),
            "per_peer_KiB_all": [a / args.peers for a in added],
        }],
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
