"""A raw Bitcoin-protocol peer for the chaos cases: frames, VERSION, a handshake, and the few
messages the cases send (headers, blocks, invalid and garbage frames). No dependencies.

Run inside a lab host's namespace with in_netns() so the node sees the host's own address.
"""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import random
import socket
import struct
import time

REGTEST_MAGIC = bytes.fromhex("fabfb5da")
PROTOCOL_VERSION = 70016
SERVICES = 1 | 8
MSG_BLOCK, MSG_WITNESS_BLOCK = 2, 0x40000002
_CLONE_NEWNET = 0x40000000


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def compact_size(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def read_compact_size(data: bytes, pos: int) -> tuple[int, int]:
    first = data[pos]
    if first < 0xFD:
        return first, pos + 1
    size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    return int.from_bytes(data[pos + 1:pos + 1 + size], "little"), pos + 1 + size


def frame(command: str, payload: bytes, *, magic: bytes = REGTEST_MAGIC,
          checksum: bytes | None = None) -> bytes:
    name = command.encode().ljust(12, b"\0")
    check = sha256d(payload)[:4] if checksum is None else checksum
    return magic + name + struct.pack("<I", len(payload)) + check + payload


def net_addr(ip: str, port: int) -> bytes:
    mapped = b"\0" * 10 + b"\xff\xff" + socket.inet_aton(ip)
    return struct.pack("<Q", SERVICES) + mapped + struct.pack(">H", port)


def version_payload(their_ip: str, their_port: int, start_height: int = 0) -> bytes:
    return (struct.pack("<iQq", PROTOCOL_VERSION, SERVICES, int(time.time()))
            + net_addr(their_ip, their_port) + net_addr("0.0.0.0", 0)
            + struct.pack("<Q", random.getrandbits(64)) + compact_size(len(b"/chaos:0.1/"))
            + b"/chaos:0.1/" + struct.pack("<i?", start_height, True))


def block_hash(header: bytes) -> str:
    """The display (big-endian hex) hash of an 80-byte header."""
    return sha256d(header[:80])[::-1].hex()


def headers_payload(headers: list[bytes]) -> bytes:
    return compact_size(len(headers)) + b"".join(h[:80] + b"\0" for h in headers)


def inv_payload(entries: list[tuple[int, str]]) -> bytes:
    return compact_size(len(entries)) + b"".join(
        struct.pack("<I", kind) + bytes.fromhex(h)[::-1] for kind, h in entries)


def parse_inv(payload: bytes) -> list[tuple[int, str]]:
    count, pos = read_compact_size(payload, 0)
    out = []
    for _ in range(min(count, 50_000)):
        kind = struct.unpack_from("<I", payload, pos)[0]
        out.append((kind, payload[pos + 4:pos + 36][::-1].hex()))
        pos += 36
    return out


@contextlib.contextmanager
def in_netns(name: str):
    """Runs the body with this thread in network namespace `name` (sockets made there stay there)."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(target, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
        yield
    finally:
        libc.setns(home, _CLONE_NEWNET)
        os.close(target)
        os.close(home)


class Peer:
    """One TCP connection speaking the wire protocol; every read is bounded by `timeout`."""

    MAX_PAYLOAD = 8 * 1024 * 1024

    def __init__(self, ip: str, port: int, *, netns: str | None = None, source: str | None = None,
                 timeout: float = 10.0, rcvbuf: int | None = None):
        self.ip, self.port = ip, port
        ctx = in_netns(netns) if netns else contextlib.nullcontext()
        with ctx:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if rcvbuf is not None:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            if source:
                self.sock.bind((source, 0))
            self.sock.settimeout(timeout)
            self.sock.connect((ip, port))
        self.buffer = b""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, command: str, payload: bytes = b"") -> None:
        self.send_raw(frame(command, payload))

    def _fill(self, size: int) -> None:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the node")
            self.buffer += chunk

    def receive(self) -> tuple[str, bytes]:
        self._fill(24)
        length = struct.unpack_from("<I", self.buffer, 16)[0]
        if self.buffer[:4] != REGTEST_MAGIC or length > self.MAX_PAYLOAD:
            raise ConnectionError("bad frame from the node")
        self._fill(24 + length)
        command = self.buffer[4:16].rstrip(b"\0").decode(errors="replace")
        payload = self.buffer[24:24 + length]
        self.buffer = self.buffer[24 + length:]
        return command, payload

    def wait_for(self, command: str, limit: int = 200) -> bytes:
        """Reads up to `limit` messages (answering pings) until `command` arrives."""
        for _ in range(limit):
            got, payload = self.receive()
            if got == "ping":
                self.send("pong", payload)
            if got == command:
                return payload
        raise ConnectionError(f"no {command} in {limit} messages")

    def handshake(self, start_height: int = 0) -> None:
        self.send("version", version_payload(self.ip, self.port, start_height))
        self.wait_for("version")
        self.send("verack")
        self.wait_for("verack")

    def closed_by_node(self, timeout: float) -> bool:
        """Reads (and discards) until the node closes the link (True) or `timeout` passes."""
        end = time.monotonic() + timeout
        self.sock.settimeout(0.5)
        while time.monotonic() < end:
            try:
                if not self.sock.recv(65536):
                    return True
            except socket.timeout:
                continue
            except OSError:
                return True
        return False
