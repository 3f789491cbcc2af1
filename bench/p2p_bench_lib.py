"""Shared helpers of the Python benchmarks that drive a real parthenon-node over loopback.

Starts the daemon (regtest, a temporary data directory, TLS off, RPC and P2P on free loopback
ports), speaks JSON-RPC to it with its cookie, and speaks the Bitcoin v1 wire protocol to it
(framing, `version`/`verack` handshake). Standard library only.

Used by bench/idle_peer_memory.py and bench/worst_case_memory.py.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request

REGTEST_MAGIC = bytes.fromhex("fabfb5da")
PROTOCOL_VERSION = 70016


def sha256d(data):
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def compact_size(n):
    if n < 0xfd:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xffffffff:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def frame_header(command, length, checksum):
    return REGTEST_MAGIC + command.encode().ljust(12, b"\0") + struct.pack("<I", length) + checksum


def frame(command, payload):
    return frame_header(command, len(payload), sha256d(payload)[:4]) + payload


def net_addr(port, ip="127.0.0.1"):
    return struct.pack("<Q", 0) + bytes(10) + b"\xff\xff" + socket.inet_aton(ip) + struct.pack(">H", port)


def version_message(nonce, port, agent=b"/parthenon-bench:1/"):
    payload = (struct.pack("<iQq", PROTOCOL_VERSION, 0, int(time.time())) + net_addr(port) + net_addr(0)
               + struct.pack("<Q", nonce) + bytes([len(agent)]) + agent + struct.pack("<i", 0) + b"\0")
    return frame("version", payload)


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise RuntimeError("the node closed the connection during the handshake")
        data += chunk
    return data


def read_frame(sock):
    header = recv_exact(sock, 24)
    if header[:4] != REGTEST_MAGIC:
        raise RuntimeError("bad magic from the node")
    command = header[4:16].rstrip(b"\0").decode()
    (length,) = struct.unpack("<I", header[16:20])
    recv_exact(sock, length)
    return command


def handshake(port, nonce, source_ip=None, rcvbuf=None, timeout=20):
    """A TCP connection to 127.0.0.1:port that completed version/verack. `source_ip` (a
    127.0.0.0/8 address) binds the local end, so many connections need not share one IP;
    `rcvbuf` sets SO_RCVBUF before connecting (a small window: a peer that reads slowly)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if source_ip:
        sock.bind((source_ip, 0))
    sock.connect(("127.0.0.1", port))
    sock.sendall(version_message(nonce, port))
    seen = set()
    while not {"version", "verack"} <= seen:
        seen.add(read_frame(sock))
    sock.sendall(frame("verack", b""))
    return sock


def proc_status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.M).group(1))


def rss_kib(pid):
    return proc_status_kib(pid, "VmRSS")


class Node:
    """A parthenon-node on loopback in a temporary data directory (removed by close())."""

    def __init__(self, binary, extra_args=(), prefix="parthenon-bench."):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.log = open(os.path.join(self.dir, "node.log"), "w+")
        self.process = subprocess.Popen(
            [binary, "--chain=regtest", f"--datadir={self.dir}", "--bind=127.0.0.1", "--port=0", "--rpcport=0",
             "--tls=off", *extra_args], stdout=subprocess.DEVNULL, stderr=self.log)
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

    @property
    def pid(self):
        return self.process.pid

    def rpc(self, method, *params, timeout=10):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.rpc_port}/", body,
                                         {"Authorization": self.auth, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
        if answer.get("error"):
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def get(self, path, timeout=10):
        request = urllib.request.Request(f"http://127.0.0.1:{self.rpc_port}{path}", None,
                                         {"Authorization": self.auth})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()

    def wait_connected(self, count, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            peers = self.rpc("getpeerinfo")
            if sum(1 for p in peers if p["state"] == "connected") >= count:
                return
            time.sleep(0.1)
        raise RuntimeError(f"the node did not report {count} connected peers")

    def alive(self):
        return self.process.poll() is None

    def close(self, keep_log_to=None):
        try:
            self.rpc("stop")
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
            self.process.wait()
        self.log.close()
        if keep_log_to:
            shutil.copy(self.log.name, keep_log_to)
        shutil.rmtree(self.dir, ignore_errors=True)
