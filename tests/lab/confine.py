"""Confinement for the storage and resource chaos cases: a cgroup of the case's own, a tmpfs or a
loop-mounted file system inside the case's work directory, and /proc readings of a daemon.

Everything here is a context manager that undoes itself on every exit path (exception, timeout,
AssertionError), and touches only what it created: a child cgroup of this process's own cgroup,
a mount point and a loop device backed by a file in the work directory.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import subprocess
import time

from chaos_api import NotRun

CGROUP_ROOT = pathlib.Path("/sys/fs/cgroup")
UNIFIED = CGROUP_ROOT / "unified"  # a hybrid hierarchy mounts cgroup v2 here
_V2_NAMES = {"blkio": "io"}  # v1 controller -> its v2 name, where they differ


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise NotRun(f"{what} needs root")


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout.strip()


# --- cgroups -------------------------------------------------------------------------------------

def _own_cgroup(controller: str | None) -> str:
    """This process's cgroup path in the v1 hierarchy of `controller` (None: the v2 one)."""
    for line in pathlib.Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if (controller is None and names == "") or (controller in names.split(",")):
            return path.lstrip("/")
    raise NotRun(f"this process is in no {controller or 'v2'} cgroup")


def _v2_base() -> pathlib.Path | None:
    """The cgroup v2 mount, or None when there is none."""
    for base in (UNIFIED, CGROUP_ROOT):
        if (base / "cgroup.controllers").exists():
            return base
    return None


class Cgroup:
    """A child cgroup of this process's own, for `controller` ("memory", "cpu", "blkio"): cgroup v2 when
    the controller is available there (enabled in the parent's subtree_control), v1 otherwise.
    `version` says which; `set(v2_file, v1_file, value)` writes a limit; `wrapper` is the
    command prefix that starts a program inside it (for Daemon(wrapper=...))."""

    def __init__(self, controller: str, name: str):
        self.controller = controller
        self.version, self.path = self._create(controller, name)

    @staticmethod
    def _create(controller: str, name: str) -> tuple[int, pathlib.Path]:
        base = _v2_base()
        if base is not None:
            parent = base / _own_cgroup(None)
            v2_name = _V2_NAMES.get(controller, controller)
            if v2_name in (parent / "cgroup.controllers").read_text().split():
                try:
                    (parent / "cgroup.subtree_control").write_text(f"+{v2_name}")
                    path = parent / name
                    path.mkdir()
                    return 2, path
                except OSError:
                    pass  # a parent with processes of its own cannot delegate: try v1
        v1 = CGROUP_ROOT / controller
        if not (v1 / "tasks").exists():
            raise NotRun(f"no cgroup {controller} controller (neither v2 nor v1)")
        path = v1 / _own_cgroup(controller) / name
        try:
            path.mkdir()
        except OSError as e:
            raise NotRun(f"cannot create a {controller} cgroup at {path}: {e}") from e
        return 1, path

    def set(self, v2_file: str, v1_file: str, value: str) -> None:
        (self.path / (v2_file if self.version == 2 else v1_file)).write_text(value)

    def read(self, v2_file: str, v1_file: str) -> str:
        return (self.path / (v2_file if self.version == 2 else v1_file)).read_text().strip()

    def describe(self) -> str:
        return f"cgroup v{self.version} {self.path}"

    @property
    def wrapper(self) -> tuple[str, ...]:
        # sh writes its own pid into the cgroup, then becomes the program: "$0" is the procs file.
        return ("sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs"))

    def remove(self) -> None:
        """Kills what is left inside (only this cgroup's processes), then removes the cgroup."""
        procs = self.path / "cgroup.procs"
        for _ in range(50):
            pids = [int(p) for p in procs.read_text().split()] if procs.exists() else []
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
            time.sleep(0.1)
        with contextlib.suppress(FileNotFoundError):
            self.path.rmdir()


@contextlib.contextmanager
def cgroup(controller: str, name: str):
    group = Cgroup(controller, f"parthenon-chaos-{name}-{os.getpid()}")
    try:
        yield group
    finally:
        group.remove()


# --- file systems --------------------------------------------------------------------------------

def _unmount(path: pathlib.Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def tmpfs(path: pathlib.Path, size_mb: int):
    require_root("mounting a tmpfs")
    path.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path))
    try:
        yield path
    finally:
        _unmount(path)


@contextlib.contextmanager
def loop_fs(image: pathlib.Path, mount_point: pathlib.Path, size_mb: int):
    """An ext4 file system on a loop device backed by `image`; yields the device's "major:minor"."""
    require_root("a loop device")
    with open(image, "wb") as f:
        f.truncate(size_mb << 20)
    try:
        device = _run("losetup", "--find", "--show", str(image))
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        raise NotRun(f"no loop device: {e}") from e
    try:
        _run("mkfs.ext4", "-q", "-F", device)
        mount_point.mkdir(parents=True, exist_ok=True)
        _run("mount", device, str(mount_point))
        try:
            stat = os.stat(device)
            yield f"{os.major(stat.st_rdev)}:{os.minor(stat.st_rdev)}"
        finally:
            _unmount(mount_point)
    finally:
        subprocess.run(["losetup", "-d", device], capture_output=True)


def free_bytes(path: pathlib.Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


# --- /proc readings ------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (all its threads)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))
