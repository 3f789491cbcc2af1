"""A minimal raw peer for the resource chaos cases: Bitcoin framing on regtest, the version
handshake, and floods of small messages (ping, inv of unknown transactions). Loopback only."""
from __future__ import annotations

import hashlib
import os
import socket
import struct
import time

REGTEST_MAGIC = bytes.fromhex("fabfb5da")
PROTOCOL_VERSION = 70016
MSG_TX = 1
MAX_INV = 1000  # entries per inv; well below the protocol's 50,000 cap
# Raw peers connect from their own loopback address, so a ban of the flooder never hits the
# honest feeder on 127.0.0.1.
FLOOD_SOURCE = "127.0.0.2"


def frame(command: str, payload: bytes) -> bytes:
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return (REGTEST_MAGIC + command.encode().ljust(12, b"\0") + struct.pack("<I", len(payload))
            + checksum + payload)


def _address(port: int) -> bytes:
    return struct.pack("<Q", 0) + bytes(10) + b"\xff\xff" + bytes([127, 0, 0, 1]) + struct.pack(">H", port)


def version_payload(port: int) -> bytes:
    agent = b"/parthenon-chaos:0.1/"
    return (struct.pack("<iQq", PROTOCOL_VERSION, 0, int(time.time())) + _address(port) + _address(0)
            + os.urandom(8) + bytes([len(agent)]) + agent + struct.pack("<i", 0) + b"\x01")


def _compact(n: int) -> bytes:
    return bytes([n]) if n < 0xfd else b"\xfd" + struct.pack("<H", n)


def inv_payload(count: int) -> bytes:
    count = min(count, MAX_INV)
    return _compact(count) + b"".join(struct.pack("<I", MSG_TX) + os.urandom(32) for _ in range(count))


class RawPeer:
    def __init__(self, port: int, timeout: float = 5.0, source: str = FLOOD_SOURCE):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                             source_address=(source, 0))
        self.sock.sendall(frame("version", version_payload(port)) + frame("verack", b""))

    def send(self, command: str, payload: bytes = b"") -> bool:
        """False once the node has closed the link."""
        try:
            self.sock.sendall(frame(command, payload))
            return True
        except OSError:
            return False

    def drain(self) -> None:
        """Reads whatever the node sent (so its send queue does not fill)."""
        self.sock.setblocking(False)
        try:
            while self.sock.recv(65536):
                pass
        except (BlockingIOError, OSError):
            pass
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.sock.close()


def flood(port: int, seconds: float, peers: int = 4, reconnects: int = 20) -> int:
    """Floods the node on `port` with pings and invs of unknown transactions from `peers` raw
    connections for `seconds`, reconnecting dropped ones (at most `reconnects` times); returns
    the number of messages sent."""
    links = [RawPeer(port) for _ in range(peers)]
    sent, end = 0, time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            for i, link in enumerate(links):
                ok = link.send("ping", os.urandom(8)) and link.send("inv", inv_payload(MAX_INV))
                sent += 2
                link.drain()
                if not ok and reconnects > 0:
                    link.close()
                    reconnects -= 1
                    try:
                        links[i] = RawPeer(port)
                    except OSError:
                        pass  # refused (banned): the closed link stays, its sends fail
            time.sleep(0.01)
    finally:
        for link in links:
            link.close()
    return sent
