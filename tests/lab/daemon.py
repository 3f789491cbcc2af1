"""One parthenon-node daemon for the lab and the chaos cases, optionally in a network namespace.

Shared by every lab tool and chaos case: extend it here rather than starting daemons elsewhere.
A Daemon writes a regtest config in its own data directory, starts the node on a free port (or
the given one), reads the ports from the start-up line, and talks to it with parthenon-cli run
in the same namespace. Every wait is bounded by a timeout.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import subprocess
import time

_RUNNING = re.compile(r"parthenon-node running: P2P port (\d+), RPC port (\d+)")


class DaemonError(RuntimeError):
    pass


class Daemon:
    def __init__(self, name: str, work_dir: pathlib.Path, build_dir: pathlib.Path, *,
                 netns: str | None = None, bind: str = "127.0.0.1", port: int = 0,
                 args: tuple[str, ...] = (), conf: str = "", loglevel: str = "debug",
                 wrapper: tuple[str, ...] = (), datadir: pathlib.Path | None = None):
        self.name = name
        # The data directory may live elsewhere (a small tmpfs, a loop mount); the log stays in work_dir.
        self.datadir = datadir or work_dir / name
        self.node_bin = build_dir / "src/apps/parthenon-node"
        self.cli_bin = build_dir / "src/apps/parthenon-cli"
        self.netns = netns
        self.bind = bind
        self.port = port
        self.args = tuple(args)
        self.conf = conf
        self.loglevel = loglevel
        self.wrapper = tuple(wrapper)  # e.g. ("prlimit", "--nofile=64") or a cgroup launcher
        self.log_path = work_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.p2p_port = 0
        self.rpc_port = 0

    # --- lifecycle ---
    def _ns(self) -> list[str]:
        return ["ip", "netns", "exec", self.netns] if self.netns else []

    def start(self, timeout: float = 30.0) -> "Daemon":
        self.datadir.mkdir(parents=True, exist_ok=True)
        (self.datadir / "parthenon.conf").write_text(
            f"chain = regtest\n[network]\nbind = {self.bind}\n[rpc]\nport = 0\n"
            f"[log]\nlevel = {self.loglevel}\n{self.conf}")
        cmd = [*self._ns(), *self.wrapper, str(self.node_bin), f"--datadir={self.datadir}",
               f"--port={self.port}", *self.args]
        log = open(self.log_path, "ab")
        offset = log.tell()  # a restarted daemon appends: read only this run's lines
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
        log.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            match = _RUNNING.search(self.log_text(offset))
            if match:
                self.p2p_port, self.rpc_port = int(match.group(1)), int(match.group(2))
                return self
            if self.proc.poll() is not None:
                raise DaemonError(f"{self.name} exited with {self.proc.returncode} at start:\n"
                                  + self.tail())
            time.sleep(0.05)
        raise DaemonError(f"{self.name} did not start in {timeout:.0f} s:\n" + self.tail())

    def stop(self, timeout: float = 30.0) -> int:
        """Asks the node to stop over RPC (SIGTERM if that fails) and returns its exit status."""
        if not self.running():
            return self.proc.returncode if self.proc else 0
        try:
            self.cli("stop", timeout=10)
        except DaemonError:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise DaemonError(f"{self.name} did not stop in {timeout:.0f} s")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # --- talking to it ---
    def cli(self, *args: str, timeout: float = 30.0) -> str:
        cmd = [*self._ns(), str(self.cli_bin), "--chain=regtest", f"--datadir={self.datadir}",
               f"--rpcport={self.rpc_port}", *args]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise DaemonError(f"{self.name}: `{' '.join(args)}` timed out") from e
        if done.returncode != 0:
            raise DaemonError(f"{self.name}: `{' '.join(args)}` failed ({done.returncode}): "
                              f"{done.stderr.strip() or done.stdout.strip()}")
        return done.stdout.strip()

    def rpc(self, method: str, *params, timeout: float = 30.0):
        """Calls `method`; params are passed as JSON-encoded CLI arguments; returns parsed JSON
        (or the raw string when the answer is not JSON)."""
        text = self.cli(method, *[p if isinstance(p, str) else json.dumps(p) for p in params],
                        timeout=timeout)
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text

    def metrics(self, timeout: float = 10.0) -> dict[str, float]:
        """GET /metrics on the RPC port (cookie auth): unlabelled series name -> value."""
        cookie = (self.datadir / "regtest/.cookie").read_text().strip()
        auth = "__cookie__:" + cookie.split(":", 1)[1]
        cmd = [*self._ns(), "curl", "-sf", "-u", auth, f"http://127.0.0.1:{self.rpc_port}/metrics"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise DaemonError(f"{self.name}: /metrics timed out") from e
        if done.returncode != 0:
            raise DaemonError(f"{self.name}: /metrics failed ({done.returncode})")
        series = {}
        for line in done.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#") and "{" not in parts[0]:
                series[parts[0]] = float(parts[1])
        return series

    def height(self) -> int:
        return int(self.rpc("getblockcount"))

    def best_hash(self) -> str:
        return str(self.rpc("getbestblockhash"))

    # --- logs ---
    def log_text(self, offset: int = 0) -> str:
        """The log from byte `offset` on."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def wait_until(what: str, predicate, timeout: float, interval: float = 0.1):
    """Polls predicate() (exceptions count as false) until it returns a true value, which is
    returned; raises AssertionError naming `what` after `timeout` seconds."""
    end = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < end:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - a node not up yet is a false predicate
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}"
                         + (f" (last error: {last_error})" if last_error else ""))
