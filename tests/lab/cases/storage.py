"""Storage chaos cases: a disk that fills during sync, damaged files found at start or on read,
and slow storage under a running daemon (docs/chaos.md)."""
from __future__ import annotations

import contextlib
import pathlib
import time

import confine
from chain_feed import assert_no_drops, feeder, follower, mine, same_chain, stop_all, wait_synced
from chaos_api import Case, Context, Outcome
from daemon import Daemon, DaemonError, wait_until

# FlatFileStore refuses appends below 16 MiB free; leave that plus room for a few hundred blocks.
_BLOCK_STORE_MARGIN = 16 << 20
_CUSHION = 160 << 10


def _clean_stop(node: Daemon) -> None:
    code = node.stop()
    assert code == 0, f"{node.name} exited with status {code} (134 = abort)\n{node.tail()}"
    assert "Assertion" not in node.log_text(), f"{node.name}: an assertion fired\n{node.tail()}"


# --- storage-disk-full ---------------------------------------------------------------------------

def disk_full(ctx: Context) -> Outcome:
    confine.require_root("a tmpfs data directory")
    disk = ctx.work_dir / "disk"
    with contextlib.ExitStack() as stack:
        stack.enter_context(confine.tmpfs(disk, 48))
        nodes = []
        stack.callback(lambda: stop_all(*reversed(nodes)))  # before the unmount
        source = feeder(ctx, 5)
        nodes.append(source)
        target = follower(ctx, source, datadir=disk / "target", args=("--utxo-cache-mb=4",))
        nodes.append(target)
        acknowledged = _fill_while_syncing(ctx, source, target, disk)
        assert_no_drops(source, target)  # the node's own full disk is no peer's fault
        # Every peer event fails to write now: those lines must be rate-limited.
        failures = target.log_text().count("write failed")
        assert failures <= 10, f"{failures} 'write failed' lines: not rate-limited"
        _clean_stop(target)
        for ballast in disk.glob("ballast*"):
            ballast.unlink()
        target.start()
        height = target.height()
        assert height >= acknowledged, f"after restart height {height} < {acknowledged} reported"
        same_chain(target, source, height)
        wait_synced(target, source, ctx.remaining() - 15)
        assert_no_drops(target)
        _clean_stop(target)
        return Outcome(1, f"disk full at height {acknowledged} of {source.height()}; "
                          "clean stop, nothing lost, synced after space was freed")


def _fill_while_syncing(ctx: Context, source: Daemon, target: Daemon, disk: pathlib.Path) -> int:
    """Fills `disk` to the block store's margin, has the feeder mine until the target's writes
    stop; returns the height the target reported when they did."""
    target.start()
    wait_synced(target, source, 30)
    ballast = confine.free_bytes(disk) - _BLOCK_STORE_MARGIN - _CUSHION
    assert ballast > 0, "the tmpfs is too small"
    with open(disk / "ballast", "wb") as f:
        f.truncate(0)
        f.write(b"\0" * ballast)
    address = str(source.rpc("getnewaddress"))
    for _ in range(40):  # at most 40 x 250 blocks
        mine(source, 250, address)
        if "refusing further writes" in target.log_text():
            break
        time.sleep(0.5)
    wait_until("the target's writes to stop", lambda: "writes stopped" in target.log_text(), 30)
    assert "disk full:" in target.log_text(), f"no clear disk-full line:\n{target.tail()}"
    wait_until("writes stopped on /metrics",
               lambda: target.metrics().get("parthenon_storage_writes_stopped") == 1, 10)
    acknowledged = target.height()
    time.sleep(2)  # blocks keep arriving; none may be accepted now
    assert target.height() == acknowledged, "the height grew after writes stopped"
    assert target.height() < source.height(), "the disk never filled"
    return acknowledged


# --- storage-corrupt-db --------------------------------------------------------------------------

def _flip_block_byte(node: Daemon, height: int) -> str:
    """Flips one byte in the middle of the record of the block at `height`; returns its hash."""
    block_hash = str(node.rpc("getblockhash", height))
    raw = bytes.fromhex(str(node.rpc("getblock", block_hash, 0)))
    node.stop()
    path = node.datadir / "regtest/blocks/blk00000.dat"
    data = bytearray(path.read_bytes())
    at = data.find(raw)
    assert at >= 0, f"block {height} not found in {path}"
    data[at + len(raw) // 2] ^= 0x40
    path.write_bytes(data)
    return block_hash


def _refuses_start(node: Daemon, words: tuple[str, ...]) -> str:
    """Starts `node`, expecting a refusal (non-zero exit, not a signal) whose log says one of
    `words`; returns the line."""
    before = len(node.log_text())
    try:
        node.start(timeout=30)
    except DaemonError:
        pass
    else:
        raise AssertionError(f"{node.name} started on a damaged store")
    code = node.proc.wait(10)
    assert code > 0, f"{node.name} died by signal {-code} instead of refusing"
    new = node.log_text()[before:].replace(str(node.datadir), "<datadir>")
    lines = [line.split("start-up failed: ", 1)[1] for line in new.splitlines() if "start-up failed: " in line]
    assert lines and any(w in lines[0].lower() for w in words), \
        f"no start-up error naming the damage ({'/'.join(words)}):\n{new[-1500:]}"
    return lines[0]


def corrupt_db(ctx: Context) -> Outcome:
    source = feeder(ctx, 60)
    target = follower(ctx, source).start()
    try:
        wait_synced(target, source, 60)
        # 1. An old block's record: the node starts, reports it on read, fetches it again.
        old = _flip_block_byte(target, 10)
        target.start()
        try:
            target.rpc("getblock", old)
            raise AssertionError("getblock of a damaged block succeeded")
        except DaemonError as e:
            # (the work directory's name says "corrupt" too: match the message itself)
            assert "Block data is corrupt on disk" in str(e), f"unclear getblock error: {e}"
            assert "not found" not in str(e).lower(), f"getblock says not found: {e}"
        wait_until("the damaged block to be fetched again",
                   lambda: target.metrics().get("parthenon_blocks_refetch_pending") == 0, 60)
        assert target.rpc("getblock", old, 0) == source.rpc("getblock", old, 0), "refetched block differs"
        # 2. A block among the last 6 (read back at start): the node refuses to start.
        blocks = target.datadir / "regtest/blocks/blk00000.dat"
        target_tip = target.height()
        target.stop()
        good = blocks.read_bytes()
        target.start()
        _flip_block_byte(target, target_tip - 1)
        recent = _refuses_start(target, ("corrupt",))
        blocks.write_bytes(good)
        target.start()  # repaired: it starts again, then is stopped to damage its tables
        target.stop()
        # 3. A RocksDB table (index, UTXO set and peer database live there): found at open or read.
        table = _damage_rocksdb(target)
        return Outcome(3, f"old block refetched from the peer; recent block refused: '{recent[:90]}'; "
                          f"{table}")
    finally:
        stop_all(target, source)


def _damage_rocksdb(node: Daemon) -> str:
    """Inverts 64 bytes in the middle of every SST file of the stopped node; expects a refusal."""
    db = node.datadir / "regtest/db"
    tables = sorted(db.glob("*.sst"))
    assert tables, f"no RocksDB table in {db} after clean stops (memtables are flushed on close)"
    for table in tables:
        data = bytearray(table.read_bytes())
        mid = len(data) // 2
        data[mid:mid + 64] = bytes(b ^ 0xff for b in data[mid:mid + 64])
        table.write_bytes(data)
    line = _refuses_start(node, ("corrupt", "checksum"))
    return f"{len(tables)} damaged table(s) refused: '{line[:110]}'"


# --- storage-slow-io -----------------------------------------------------------------------------

_SLOW_WRITE_IOPS = 40  # the node's writes to its loop device, per second (fsync-driven)
_SLOW_READ_BPS = 2 << 20


def slow_io(ctx: Context) -> Outcome:
    confine.require_root("a loop device and a blkio cgroup")
    blocks = 1500
    with contextlib.ExitStack() as stack:
        device = stack.enter_context(confine.loop_fs(ctx.work_dir / "disk.img", ctx.work_dir / "disk", 256))
        group = stack.enter_context(confine.cgroup("blkio", "slow-io"))
        nodes = []
        stack.callback(lambda: stop_all(*reversed(nodes)))  # before the cgroup and the unmount
        source = feeder(ctx, blocks)
        nodes.append(source)
        if group.version == 2:
            group.set("io.max", "", f"{device} wiops={_SLOW_WRITE_IOPS} rbps={_SLOW_READ_BPS}")
        else:
            group.set("", "blkio.throttle.write_iops_device", f"{device} {_SLOW_WRITE_IOPS}")
            group.set("", "blkio.throttle.read_bps_device", f"{device} {_SLOW_READ_BPS}")
        target = follower(ctx, source, datadir=ctx.work_dir / "disk/target", wrapper=group.wrapper)
        nodes.append(target)
        target.start(timeout=60)
        started = time.monotonic()
        rpc_worst = _sync_probing_rpc(ctx, target, source)
        took = time.monotonic() - started  # reported, not asserted
        throttled = _throttled_ios(group, device)
        assert throttled > 0, "no I/O went through the throttled device"
        assert_no_drops(source, target)
        _clean_stop(target)
        return Outcome(1, f"{blocks} blocks synced in {took:.0f} s with writes at {_SLOW_WRITE_IOPS} IOPS "
                          f"({group.describe().split()[1]}), {throttled} I/Os throttled; "
                          f"slowest RPC {rpc_worst:.2f} s")


def _sync_probing_rpc(ctx: Context, target: Daemon, source: Daemon) -> float:
    """Waits for the sync while calling getblockcount; returns the slowest answer (s). RPC must
    keep answering within 10 s (the CLI's own timeout) however slow the disk."""
    goal, worst = source.height(), 0.0
    end = ctx.deadline - 20
    while time.monotonic() < end:
        start = time.monotonic()
        height = int(target.rpc("getblockcount", timeout=10))
        worst = max(worst, time.monotonic() - start)
        if height == goal and target.best_hash() == source.best_hash():
            return worst
        time.sleep(0.5)
    raise AssertionError(f"sync on slow storage did not finish: {target.height()} of {goal}")


def _throttled_ios(group: confine.Cgroup, device: str) -> int:
    if group.version == 2:
        text = group.read("io.stat", "")
        return sum(int(kv.split("=")[1]) for line in text.splitlines() if line.startswith(device)
                   for kv in line.split()[1:] if kv.startswith(("rios=", "wios=")))
    text = group.read("", "blkio.throttle.io_serviced")
    return sum(int(line.split()[2]) for line in text.splitlines()
               if line.startswith(device + " ") and line.split()[1] == "Total")


CASES = [
    Case("storage-disk-full", "Disk Full", "storage", disk_full, timeout_s=180),
    Case("storage-corrupt-db", "Corrupted Database", "storage", corrupt_db, timeout_s=150),
    Case("storage-slow-io", "Slow I/O", "storage", slow_io, timeout_s=240),
]
