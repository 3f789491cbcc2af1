"""The network lab: hosts in network namespaces on one bridge, with link faults (issue 14).

Every name this module creates starts with `pn-<pid>-<n>-` (namespaces); interface names live
inside those namespaces, so nothing is created in the root namespace. The bridge sits in a
namespace of its own (`<prefix>br`); each host namespace (`<prefix><i>`) has one veth end `eth0`
whose other end is a port of that bridge. Host addresses are spread over several /16 netgroups
of 10.0.0.0/8 (one flat /8 subnet on the bridge), so the peer database's per-netgroup limits act.

Faults: bandwidth with `tc tbf` on both ends of a host's link, random loss and partitions with
`nft` in the hosts' namespaces, link down, and latency with `netem` where the kernel has it, else
with the delaying TCP relay of relay.py. A Lab removes everything it made on close(); a run that
died leaves namespaces whose pid is gone, and sweep_stale() removes those at the next start.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys

import chaos_api
from daemon import Daemon

P2P_PORT = 18444                 # every host's node listens on its own address, regtest's port
NETGROUPS = 8                    # hosts are spread round-robin over 10.1/16 .. 10.8/16
_STALE = re.compile(r"^pn-(\d+)-\d+-")
_RELAY = pathlib.Path(__file__).with_name("relay.py")
_sequence = 0


def run(*cmd: str, check: bool = True, timeout: float = 20.0) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed: {done.stderr.strip()}")
    return done


def require_lab() -> None:
    """Raises NotRun with the reason when this machine cannot host the lab."""
    if os.geteuid() != 0:
        raise chaos_api.NotRun("needs root (network namespaces, tc, nft)")
    for tool in ("ip", "tc", "nft"):
        if shutil.which(tool) is None:
            raise chaos_api.NotRun(f"`{tool}` is not installed (scripts/install-deps.sh)")
    probe = f"pn-{os.getpid()}-0-probe"
    try:
        run("ip", "netns", "add", probe)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        raise chaos_api.NotRun(f"cannot create a network namespace: {e}") from e
    run("ip", "netns", "del", probe, check=False)


def _namespaces() -> list[str]:
    out = run("ip", "netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _delete_namespace(name: str) -> None:
    pids = run("ip", "netns", "pids", name, check=False).stdout.split()
    for pid in pids[:4096]:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    run("ip", "netns", "del", name, check=False)


def sweep(prefix: str) -> int:
    """Deletes every namespace whose name starts with prefix (and kills what runs in it)."""
    names = [n for n in _namespaces() if n.startswith(prefix)]
    for name in names:
        _delete_namespace(name)
    return len(names)


def sweep_stale() -> int:
    """Deletes the namespaces of lab runs whose process no longer exists."""
    stale = []
    for name in _namespaces():
        match = _STALE.match(name)
        if match and not pathlib.Path(f"/proc/{match.group(1)}").exists():
            stale.append(name)
    for name in stale:
        _delete_namespace(name)
    return len(stale)


def netem_available() -> bool:
    """Whether the kernel has the netem qdisc (probed on a throw-away namespace's loopback)."""
    probe = f"pn-{os.getpid()}-0-netem"
    try:
        run("ip", "netns", "add", probe)
        run("ip", "-n", probe, "link", "set", "lo", "up")
        return run("tc", "-n", probe, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms",
                   check=False).returncode == 0
    finally:
        run("ip", "netns", "del", probe, check=False)


def address_of(index: int) -> str:
    group, slot = index % NETGROUPS, index // NETGROUPS
    return f"10.{1 + group}.{slot // 250}.{1 + slot % 250}"


class Host:
    def __init__(self, lab: "Lab", index: int):
        self.lab = lab
        self.index = index
        self.netns = f"{lab.prefix}{index}"
        self.ip = address_of(index)
        self.veth = f"v{index}"        # the bridge-side end, in the bridge namespace
        self.target = f"{self.ip}:{P2P_PORT}"

    def exec(self, *cmd: str, check: bool = True, timeout: float = 20.0):
        return run("ip", "netns", "exec", self.netns, *cmd, check=check, timeout=timeout)

    def nft(self, script: str) -> None:
        done = subprocess.run(["ip", "netns", "exec", self.netns, "nft", "-f", "-"], input=script,
                              capture_output=True, text=True, timeout=20)
        if done.returncode != 0:
            raise RuntimeError(f"nft in {self.netns} failed: {done.stderr.strip()}\n{script}")


class Lab:
    """Hosts on one bridge. Use as a context manager; close() is also safe to call twice."""

    def __init__(self, hosts: int, log=lambda line: None):
        global _sequence
        _sequence += 1
        self.prefix = f"pn-{os.getpid()}-{_sequence}-"
        self.bridge_ns = f"{self.prefix}br"
        self.log = log
        self.hosts: list[Host] = []
        self.relays: list[subprocess.Popen] = []
        self.daemons: list[Daemon] = []
        try:
            run("ip", "netns", "add", self.bridge_ns)
            self._br("link", "add", "br0", "type", "bridge")
            self._br("link", "set", "br0", "up")
            for index in range(hosts):
                self._add_host(index)
        except BaseException:
            self.close()
            raise
        log(f"lab {self.prefix}*: {hosts} hosts on bridge namespace {self.bridge_ns}")

    def _br(self, *args: str) -> None:
        run("ip", "-n", self.bridge_ns, *args)

    def _add_host(self, index: int) -> None:
        host = Host(self, index)
        run("ip", "netns", "add", host.netns)
        self._br("link", "add", host.veth, "type", "veth", "peer", "name", "eth0", "netns", host.netns)
        self._br("link", "set", host.veth, "master", "br0", "up")
        run("ip", "-n", host.netns, "addr", "add", f"{host.ip}/8", "dev", "eth0")
        run("ip", "-n", host.netns, "link", "set", "eth0", "up")
        run("ip", "-n", host.netns, "link", "set", "lo", "up")
        host.nft("table inet pnlab {\n chain input { type filter hook input priority 0; }\n"
                 " chain output { type filter hook output priority 0; }\n}\n")
        self.hosts.append(host)

    def __enter__(self) -> "Lab":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for daemon in self.daemons:
            daemon.kill()
        for relay in self.relays:
            if relay.poll() is None:
                os.killpg(relay.pid, signal.SIGKILL)
                relay.wait(10)
        self.daemons, self.relays = [], []
        sweep(self.prefix)

    # --- nodes ---
    def daemon(self, index: int, work_dir: pathlib.Path, build_dir: pathlib.Path, *,
               connect: tuple[str, ...] = (), args: tuple[str, ...] = (), conf: str = "") -> Daemon:
        """A node on host `index`, listening on its address; `connect` are host:port targets
        (lab addresses or this host's relay ports on 127.0.0.1)."""
        host = self.hosts[index]
        flags = ["--dnsseed=0", "--worker-threads=1", "--utxo-cache-mb=8", "--tls=off",
                 *(f"--connect={target}" for target in connect), *args]
        node = Daemon(f"node{index}", work_dir, build_dir, netns=host.netns, bind=host.ip,
                      port=P2P_PORT, args=tuple(flags), conf=conf)
        self.daemons.append(node)
        return node

    def relay(self, index: int, routes: list[tuple[int, str, float]], work_dir: pathlib.Path) -> None:
        """Starts relay.py in host `index`'s namespace: each route (listen port on 127.0.0.1,
        target host:port, one-way delay in seconds) forwards from this host's own address."""
        host = self.hosts[index]
        spec = [f"{port}={target}={delay:.4f}" for port, target, delay in routes]
        log = open(work_dir / f"relay{index}.log", "ab")
        proc = subprocess.Popen(["ip", "netns", "exec", host.netns, sys.executable, str(_RELAY),
                                 "--source", host.ip, *spec], stdout=subprocess.PIPE, stderr=log,
                                start_new_session=True)
        log.close()
        self.relays.append(proc)
        line = proc.stdout.readline().decode(errors="replace").strip()  # relay.py prints once bound
        if line != "ready":
            raise RuntimeError(f"relay on host {index} did not start: {line!r}")

    # --- faults ---
    def set_bandwidth(self, index: int, rate: str, burst: str = "16kb", latency: str = "2s") -> None:
        """tbf on both ends of the host's link: `rate` each way (tc syntax, e.g. '1mbit')."""
        host = self.hosts[index]
        for ns, dev in ((host.netns, "eth0"), (self.bridge_ns, host.veth)):
            run("tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", "tbf", "rate", rate,
                "burst", burst, "latency", latency)

    def clear_bandwidth(self, index: int) -> None:
        host = self.hosts[index]
        for ns, dev in ((host.netns, "eth0"), (self.bridge_ns, host.veth)):
            run("tc", "-n", ns, "qdisc", "del", "dev", dev, "root", check=False)

    def set_host_delay(self, index: int, seconds: float) -> None:
        """netem (only where the kernel has it, see netem_available): half of `seconds` on each
        end of the host's link, so a packet between hosts a and b waits (d_a + d_b) / 2."""
        host = self.hosts[index]
        for ns, dev in ((host.netns, "eth0"), (self.bridge_ns, host.veth)):
            run("tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", "netem", "delay",
                f"{seconds * 500:.1f}ms", "limit", "10000")

    def set_loss(self, percent: int, hosts: list[int] | None = None) -> None:
        """Drops `percent` % of the packets each host receives on its lab link (nft numgen random;
        loopback, where RPC runs, is spared)."""
        for index in hosts if hosts is not None else range(len(self.hosts)):
            self.hosts[index].nft(f"add rule inet pnlab input iifname eth0 numgen random mod 100 < "
                                  f"{int(percent)} counter drop comment \"loss\"\n")

    def partition(self, side_a: list[int], side_b: list[int]) -> None:
        """Drops every packet between the two sides (both directions, at both ends)."""
        for mine, other in ((side_a, side_b), (side_b, side_a)):
            peers = ", ".join(self.hosts[i].ip for i in other)
            for index in mine:
                self.hosts[index].nft(
                    f"add rule inet pnlab input ip saddr {{ {peers} }} drop comment \"partition\"\n"
                    f"add rule inet pnlab output ip daddr {{ {peers} }} drop comment \"partition\"\n")

    def heal(self) -> None:
        """Removes every nft fault (loss and partitions)."""
        for host in self.hosts:
            host.nft("flush chain inet pnlab input\nflush chain inet pnlab output\n")

    def dropped(self, index: int) -> int:
        """Packets the host's loss rule dropped so far."""
        out = self.hosts[index].exec("nft", "list", "chain", "inet", "pnlab", "input").stdout
        return sum(int(m) for m in re.findall(r"counter packets (\d+)", out))

    def link(self, index: int, up: bool) -> None:
        run("ip", "-n", self.hosts[index].netns, "link", "set", "eth0", "up" if up else "down")


def converged(nodes: list[Daemon], height: int | None = None) -> str | None:
    """The common tip hash when every node has the same tip (at `height` if given), else None."""
    tips = {node.best_hash() for node in nodes}
    if len(tips) != 1:
        return None
    if height is not None and nodes[0].height() != height:
        return None
    return tips.pop()


def wait_deadline(ctx: chaos_api.Context, wanted: float) -> float:
    """A wait no longer than `wanted` and leaving 5 s of the case's deadline for clean-up."""
    return max(1.0, min(wanted, ctx.remaining() - 5.0))
