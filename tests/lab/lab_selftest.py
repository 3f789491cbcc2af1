#!/usr/bin/env python3
"""Self-tests of the lab's pure parts, runnable without root: wire framing, addresses and
netgroups, the propagation statistics, case discovery, and the relay on loopback."""
from __future__ import annotations

import pathlib
import random
import socket
import subprocess
import sys
import threading
import time
import unittest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import chaos  # noqa: E402
import chaos_api  # noqa: E402
import lab  # noqa: E402
import propagation  # noqa: E402
import wire  # noqa: E402


class WireTest(unittest.TestCase):
    def test_verack_frame_matches_bitcoin(self):
        # An empty payload's checksum is SHA256d("")[:4] = 5df6e0e2, as on the Bitcoin wire.
        self.assertEqual(wire.frame("verack", b"").hex(),
                         "fabfb5da" + b"verack".hex() + "00" * 6 + "00000000" + "5df6e0e2")

    def test_compact_size_round_trip(self):
        for n in (0, 252, 253, 0xFFFF, 0x10000, 0xFFFFFFFF, 0x100000000):
            self.assertEqual(wire.read_compact_size(wire.compact_size(n), 0)[0], n)

    def test_inv_round_trip(self):
        entries = [(wire.MSG_BLOCK, "11" * 31 + "22"), (wire.MSG_WITNESS_BLOCK, "ab" * 32)]
        self.assertEqual(wire.parse_inv(wire.inv_payload(entries)), entries)

    def test_genesis_style_hash_is_reversed_sha256d(self):
        header = bytes(80)
        self.assertEqual(wire.block_hash(header), wire.sha256d(header)[::-1].hex())


class AddressTest(unittest.TestCase):
    def test_hosts_spread_over_netgroups(self):
        addresses = [lab.address_of(i) for i in range(50)]
        self.assertEqual(len(set(addresses)), 50)
        groups = {a.rsplit(".", 2)[0] for a in addresses}
        self.assertEqual(len(groups), lab.NETGROUPS)
        self.assertTrue(all(a.startswith("10.") for a in addresses))


class PropagationStatsTest(unittest.TestCase):
    def test_topology_has_distinct_outbound_peers(self):
        links = propagation.topology(50, 8, random.Random(1))
        for i, peers in links.items():
            targets = [j for j, _ in peers]
            self.assertEqual(len(set(targets)), 8)
            self.assertNotIn(i, targets)
            self.assertTrue(all(0.005 <= d <= 0.75 for _, d in peers))

    def test_shortest_path(self):
        links = {0: [(1, 0.1), (2, 0.5)], 1: [(2, 0.1)], 2: []}
        distances = propagation.one_way_distances(links, 0)
        self.assertAlmostEqual(distances[2], 0.2)
        self.assertAlmostEqual(propagation.one_way_distances(links, 2)[0], 0.2)

    def test_percentile(self):
        values = list(range(1, 101))
        self.assertEqual(propagation.percentile(values, 50), 50)
        self.assertEqual(propagation.percentile(values, 99), 99)
        self.assertEqual(propagation.percentile([3.0], 95), 3.0)


class RunnerTest(unittest.TestCase):
    def test_cases_load_in_category_order_with_unique_keys(self):
        cases = chaos.load_cases()
        keys = [c.key for c in cases]
        self.assertEqual(len(keys), len(set(keys)))
        order = [chaos_api.CATEGORIES.index(c.category) for c in cases]
        self.assertEqual(order, sorted(order))
        for key in ("network-partition", "peer-malicious", "consensus-double-spend"):
            self.assertIn(key, keys)

    def test_report_shape(self):
        results = [chaos.Result("a", "Network Partition", "network", "PASS", 3.2, 1),
                   chaos.Result("b", "Disk Full", "storage", "NOT RUN", 0.0, detail="no tmpfs"),
                   chaos.Result("c", "Slow Peer", "peer", "FAIL", 1.0, 0, "boom")]
        text = chaos.report(results, 4.2)
        self.assertIn("PASS: Network Partition (3.2s, 1 iterations)", text)
        self.assertIn("NOT RUN: Disk Full (no tmpfs)", text)
        self.assertIn("FAIL: Slow Peer (1.0s, 0 iterations) - boom", text)
        for line in ("Total Tests:  3", "Passed:       1", "Failed:       1", "Not run:      1"):
            self.assertIn(line, text)


class RelayTest(unittest.TestCase):
    def test_relay_forwards_both_ways_with_the_delay(self):
        server = socket.create_server(("127.0.0.1", 0))
        target_port = server.getsockname()[1]

        def echo():
            conn, _ = server.accept()
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)
        threading.Thread(target=echo, daemon=True).start()
        probe = socket.create_server(("127.0.0.1", 0))
        listen_port = probe.getsockname()[1]
        probe.close()
        relay = subprocess.Popen([sys.executable, str(HERE / "relay.py"), "--source", "127.0.0.1",
                                  f"{listen_port}=127.0.0.1:{target_port}=0.2"], stdout=subprocess.PIPE)
        try:
            self.assertEqual(relay.stdout.readline().strip(), b"ready")
            payload = bytes(range(256)) * 1024
            with socket.create_connection(("127.0.0.1", listen_port), timeout=10) as client:
                start = time.monotonic()
                client.sendall(payload)
                echoed = b""
                while len(echoed) < len(payload):
                    echoed += client.recv(65536)
                elapsed = time.monotonic() - start
            self.assertEqual(echoed, payload)
            self.assertGreaterEqual(elapsed, 0.4)  # held 0.2 s each way: the injected fault
        finally:
            relay.kill()
            relay.wait(10)
            server.close()


if __name__ == "__main__":
    unittest.main()
