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
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from p2p_bench_lib import Node, handshake, rss_kib  # noqa: E402


def measure(binary, peers, settle):
    # The per-IP inbound limit is lifted for 127.0.0.1 so every connection can share it.
    node = Node(binary, ["--whitelist=127.0.0.1", f"--maxconnections={peers + 8}", "--maxoutbound=0",
                         "--loglevel=warn"], prefix="parthenon-idle-peers.")
    sockets = []
    try:
        sockets.append(handshake(node.p2p_port, 1))  # warm-up: allocator arenas, Asio internals
        node.wait_connected(1)
        time.sleep(settle)
        before = rss_kib(node.pid)
        for i in range(peers):
            sockets.append(handshake(node.p2p_port, i + 2))
        node.wait_connected(peers + 1)
        time.sleep(settle)
        after = rss_kib(node.pid)
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
