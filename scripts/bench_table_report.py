#!/usr/bin/env python3
"""Prints the performance table for scripts/bench-table.sh.

Reads Google Benchmark JSON files (run with repetitions; the median aggregate is used) and,
when given, the results/*.raw files of ../shared/tools/limits ("metric value" lines; the median
over repetitions is used). Each benchmark is shown with its hardware limit(s) and the ratio.
"""
import argparse
import json
import os
import statistics
import sys

# Benchmark -> (label, [(counter, unit, scale), ...]): each counter is one row. The key is the run
# name without Google Benchmark's "/real_time" and "/iterations:N" suffixes; a key with "{}" matches
# any argument there (BM_NodeMessages/{} -> BM_NodeMessages/0, /1, /10) and the label's "{}" shows it.
# Counters are Google Benchmark's (items_per_second, bytes_per_second) or the program's own
# (blocks/s, median_us, hop_median_ms, ...); "ms/call" is the measured time per iteration when one
# iteration is one call. `scale` turns the counter into `unit`.
BENCHMARKS = {
    "BM_Sha256dHeader": ("SHA256d of 80-byte headers (Sha256d)", [("items_per_second", "hashes/s", 1)]),
    "BM_BlockHeaderHash": ("SHA256d of headers (BlockHeader::Hash)", [("items_per_second", "hashes/s", 1)]),
    "BM_VerifySchnorr": ("BIP340 verify, 1 core", [("items_per_second", "verifies/s", 1)]),
    "BM_ParallelVerifier/1000": ("ParallelVerifier, batch 1000, all cores", [("items_per_second", "verifies/s", 1)]),
    "BM_ParallelVerifier/4000": ("ParallelVerifier, batch 4000, all cores", [("items_per_second", "verifies/s", 1)]),
    "BM_DecodeBlock": ("Decode block413567 (1 MB)", [("bytes_per_second", "MB/s", 1e-6), ("items_per_second", "tx/s", 1)]),
    "BM_SerializeBlock": ("Serialize block413567", [("bytes_per_second", "MB/s", 1e-6)]),
    "BM_TxidAndWtxid": ("txid + wtxid, 1557 tx of block413567", [("items_per_second", "tx/s", 1)]),
    "BM_BlockMerkleRoot": ("Merkle root of block413567 (incl. txids)", [("items_per_second", "tx/s", 1)]),
    "BM_FrameDecode_1MiBBlock": ("Frame decode + checksum, 1 MiB block msg", [("bytes_per_second", "MB/s", 1e-6)]),
    "BM_FrameAndBlockDecode_1MiBBlock": ("Frame + block decode, 1 MiB block msg", [("bytes_per_second", "MB/s", 1e-6)]),
    "BM_Sha256d_1MiB": ("SHA256d of 1 MiB (same process)", [("bytes_per_second", "MB/s", 1e-6)]),
    "BM_EncodeDecode_Ping": ("ping encode + decode (payload)", [("items_per_second", "msgs/s", 1)]),
    "BM_EncodeDecode_Inv1": ("inv of 1 entry encode + decode (payload)", [("items_per_second", "msgs/s", 1)]),
    "BM_FrameRoundTrip_Ping": ("ping framed: encode, checksum, decode", [("items_per_second", "msgs/s", 1)]),
    "BM_ConnectBlock1000Tx": ("Connect blocks of 1000 one-input tx", [("sigs/s", "sigs/s", 1), ("blocks/s", "blocks/s", 1)]),
    "BM_VerifierRate1000": ("Verifier alone, 1000 sigs per block", [("sigs/s", "sigs/s", 1)]),
    "BM_UtxoLookupCached": ("UTXO lookup, cached", [("lookups/s", "lookups/s", 1)]),
    "BM_UtxoLookupUncached": ("UTXO lookup, uncached (RocksDB)", [("lookups/s", "lookups/s", 1)]),
    "BM_BlockStoreWriteSync": ("Block file write + fsync", [("blocks/s", "blocks/s", 1), ("MB/s", "MB/s", 1)]),
    "BM_BlockStoreRead": ("Block file read", [("blocks/s", "blocks/s", 1)]),
    "BM_NodeMessages/{}": ("P2P messages node to node, payload {} B", [("items_per_second", "msgs/s", 1)]),
    "BM_RawTcpMessages/{}": ("raw TCP, one send() per frame, payload {} B", [("items_per_second", "msgs/s", 1)]),
    "BM_NodeRoundTrip": ("ping round trip through two nodes", [("median_us", "us median", 1)]),
    "BM_RawTcpRoundTrip": ("raw TCP 32-byte ping-pong", [("median_us", "us median", 1)]),
    "BM_IdlePeerMemory/{}": ("memory per idle peer, daemon with {} peers", [("per_peer_KiB", "KiB/peer", 1)]),
    "BM_BlockTransfer/0": ("block transfer, plaintext", [("bytes_per_second", "MB/s", 1e-6)]),
    "BM_BlockTransfer/1": ("block transfer, TLS 1.3", [("bytes_per_second", "MB/s", 1e-6)]),
    "BM_TlsHandshakes": ("TLS 1.3 handshakes accepted by one node", [("items_per_second", "handshakes/s", 1)]),
    "BM_GetGoodPeers100": ("peer DB: 100 good peers", [("ms/call", "ms/call", 1)]),
    "BM_GetGeographicallyDiversePeers100": ("peer DB: 100 diverse peers", [("ms/call", "ms/call", 1)]),
    "BM_RecordEventInMemory": ("peer DB: record an event, in memory", [("items_per_second", "events/s", 1)]),
    "BM_RecordEventRocksDb": ("peer DB: record an event, RocksDB", [("items_per_second", "events/s", 1)]),
    "BM_PropagationLine10": ("~1 MB block over a line of 10 nodes", [("hop_median_ms", "ms/hop median", 1),
                                                                   ("hop_p95_ms", "ms/hop p95", 1),
                                                                   ("network_median_ms", "ms whole line", 1)]),
    "BM_PropagationRandom30": ("~1 MB block over 30 nodes (random)", [("hop_median_ms", "ms/hop median", 1),
                                                                    ("network_median_ms", "ms network median", 1),
                                                                    ("network_p95_ms", "ms network p95", 1)]),
    "BM_ConnectBaseline10k": ("connect 10k small blocks directly", [("blocks/s", "blocks/s", 1)]),
    "BM_InitialSync10k": ("initial sync of 10k blocks from 3 peers", [("blocks/s", "blocks/s", 1), ("headers/s", "headers/s", 1)]),
}
# Units where smaller is better: a limit's ratio is then limit / ours.
LOWER_IS_BETTER = ("us median", "ms/hop median", "ms/hop p95", "ms whole line", "ms network median",
                   "ms network p95", "KiB/peer", "ms/call")
# Time units of Google Benchmark's real_time, in milliseconds.
TIME_UNIT_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1, "s": 1e3}


def base_name(run_name):
    """Run name without "/real_time", "/iterations:N", "/repeats:N", "/min_time:X" suffixes."""
    parts = [p for p in run_name.split("/") if p != "real_time" and not p.split(":")[0] in
             ("iterations", "repeats", "min_time", "threads")]
    return "/".join(parts)


def spec_of(run_name):
    """(key, label, counters) of a run, or None for a benchmark this table does not know."""
    name = base_name(run_name)
    if name in BENCHMARKS:
        label, counters = BENCHMARKS[name]
        return name, label, counters
    head, _, argument = name.rpartition("/")
    key = head + "/{}"
    if head and key in BENCHMARKS:
        label, counters = BENCHMARKS[key]
        return name, label.format(argument), counters
    return None


def counter_value(run, counter, scale):
    if counter == "ms/call":
        real = run.get("real_time")
        return None if real is None else real * TIME_UNIT_MS.get(run.get("time_unit", "ns"), 1e-6)
    raw = run.get(counter)
    return None if raw is None else raw * scale


SHA_TARGET = 4e6  # issue target for header hashing, hashes/s
PARALLEL_EFFICIENCY_TARGET = 0.90
FRAME_TARGET = 0.80  # frame decode vs SHA256d of the same bytes (wire issue)
SMALL_MESSAGE_TARGET = 5e6  # ping / inv encode+decode per core (wire issue)
PEER_MEMORY_TARGET_KIB = 64  # resident memory per idle peer (network issue)
SYNC_TARGET = 0.70  # initial sync vs connecting the same blocks directly (sync issue)
# Propagation of a ~1 MB block (relay issue): per hop on a line, whole network of 30 nodes.
PROPAGATION_TARGETS_MS = {("BM_PropagationLine10", "ms/hop median"): 10,
                          ("BM_PropagationRandom30", "ms network median"): 100}


def si(value):
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}"
    return f"{value:.3g}"


def show(value, unit):
    # MB/s reads best as a plain number ("1,930 MB/s", not "1.93 k MB/s"); latencies and sizes
    # with three significant digits.
    if unit == "MB/s":
        return f"{value:,.0f}"
    if unit in LOWER_IS_BETTER or unit.startswith(("ms/", "ms ")):
        return f"{value:.3g}"
    return si(value)


def read_benchmarks(paths):
    """run_name -> (median counters dict); also the number of CPUs and any errors."""
    medians, errors, cpus = {}, [], None
    for path in paths:
        with open(path) as f:
            text = f.read()
        if not text.strip():
            continue  # a program whose benchmarks were all filtered out prints nothing
        data = json.loads(text)
        cpus = data.get("context", {}).get("num_cpus", cpus)
        for b in data.get("benchmarks", []):
            if b.get("error_occurred"):
                errors.append(f"{b['name']}: {b.get('error_message', 'error')}")
            elif b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median":
                medians[base_name(b["run_name"])] = b
            elif b.get("run_type") == "iteration" and base_name(b["run_name"]) not in medians:
                medians[base_name(b["run_name"])] = b  # run without repetitions
    return medians, errors, cpus


def read_limits(limits_dir):
    """metric -> median over the repetitions measured in this run."""
    values = {}
    results = os.path.join(limits_dir, "results")
    if not limits_dir or not os.path.isdir(results):
        return {}
    for name in sorted(os.listdir(results)):
        if not name.endswith(".raw"):
            continue
        with open(os.path.join(results, name)) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and not line.startswith("#"):
                    try:
                        values.setdefault(parts[0], []).append(float(parts[1]))
                    except ValueError:
                        pass
    return {k: statistics.median(v) for k, v in values.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--load-before", default="?")
    parser.add_argument("--load-after", default="?")
    parser.add_argument("--idle-limits", type=int, default=-1)
    parser.add_argument("--idle-before", type=int, default=-1)
    parser.add_argument("--idle-after", type=int, default=-1)
    parser.add_argument("--limits-dir", default="")
    parser.add_argument("--limits-note", default="")
    parser.add_argument("json", nargs="+")
    args = parser.parse_args()

    medians, errors, cpus = read_benchmarks(args.json)
    limits = read_limits(args.limits_dir) if args.limits_dir else {}
    with_limits = bool(args.limits_dir)

    def value_of(key, unit=None):
        """The value of a benchmark's counter in `unit` (default: its first counter)."""
        spec = spec_of(key)
        if key not in medians or spec is None:
            return None
        for counter, counter_unit, scale in spec[2]:
            if unit is None or unit == counter_unit:
                return counter_value(medians[key], counter, scale)
        return None

    single = value_of("BM_VerifySchnorr")
    # Workers + calling thread, as the ParallelVerifier benchmark reports it; else the CPU count.
    cores = cpus or 1
    for key in ("BM_ParallelVerifier/1000", "BM_ParallelVerifier/4000"):
        if key in medians and medians[key].get("parallelism"):
            cores = int(medians[key]["parallelism"])

    def limit(metric, label, unit, convert=lambda v: v):
        """(text, value in `unit`) for a limit of this run; value None if it was not measured."""
        if metric not in limits:
            return (f"{label}: n/a (not measured)", None)
        value = convert(limits[metric])
        return (f"{label} = {show(value, unit)} {unit}", value)

    def same_run(key, unit, label):
        """A baseline measured by our own programs in this run (no hardware tool needed)."""
        value = value_of(key, unit)
        if value is None:
            return (f"{label}: n/a (not run)", None)
        return (f"{label} = {show(value, unit)} {unit}", value)

    # (benchmark, unit) -> the limits it is compared with. A lower-is-better unit's ratio is
    # limit / ours, so 100% always means "at the limit".
    secp2 = ("schnorr_parse+verify_t2_wall_per_s", "secp parse+verify, 2 threads", "verifies/s")
    comparisons = {
        ("BM_Sha256dHeader", "hashes/s"): [limit("lowlevel_full_wall_Hps", "OpenSSL SHA256_* full", "hashes/s"),
                                           limit("EVP_MD_CTX_reuse_wall_Hps", "OpenSSL EVP ctx reuse", "hashes/s")],
        ("BM_BlockHeaderHash", "hashes/s"): [limit("lowlevel_full_wall_Hps", "OpenSSL SHA256_* full", "hashes/s"),
                                             limit("EVP_MD_CTX_reuse_wall_Hps", "OpenSSL EVP ctx reuse", "hashes/s")],
        ("BM_VerifySchnorr", "verifies/s"): [limit("schnorr_parse+verify_t1_wall_per_s", "secp parse+verify, 1 thread", "verifies/s")],
        ("BM_ParallelVerifier/1000", "verifies/s"): [limit(*secp2)],
        ("BM_ParallelVerifier/4000", "verifies/s"): [limit(*secp2)],
        ("BM_ConnectBlock1000Tx", "sigs/s"): [limit(*secp2), same_run("BM_VerifierRate1000", "sigs/s", "verifier alone, same run")],
        ("BM_VerifierRate1000", "sigs/s"): [limit(*secp2)],
        ("BM_DecodeBlock", "MB/s"): [limit("sha256_16384B_MB_per_s", "ref: SHA-256 of 16 KB blocks", "MB/s")],
        ("BM_SerializeBlock", "MB/s"): [limit("sha256_16384B_MB_per_s", "ref: SHA-256 of 16 KB blocks", "MB/s")],
        ("BM_FrameDecode_1MiBBlock", "MB/s"): [limit("sha256_16384B_MB_per_s", "OpenSSL SHA-256 of 16 KB blocks", "MB/s")],
        ("BM_UtxoLookupUncached", "lookups/s"): [limit("rocksdb_get_ops_per_s", "RocksDB default point reads", "lookups/s")],
        ("BM_BlockStoreWriteSync", "blocks/s"): [limit("fsync_append_median_us", "one 4 KiB append + fdatasync", "blocks/s",
                                                      lambda us: 1e6 / us)],
        ("BM_NodeRoundTrip", "us median"): [limit("pingpong32_pin_none_rtt_median_us", "raw TCP ping-pong (limits)", "us median"),
                                            same_run("BM_RawTcpRoundTrip", "us median", "raw TCP, same program")],
        ("BM_RawTcpRoundTrip", "us median"): [limit("pingpong32_pin_none_rtt_median_us", "raw TCP ping-pong (limits)", "us median")],
        ("BM_BlockTransfer/0", "MB/s"): [limit("iperf3_1stream_pin_none_Gbit_per_s", "iperf3 loopback, 1 stream", "MB/s",
                                               lambda gbit: gbit * 125)],
        ("BM_BlockTransfer/1", "MB/s"): [limit("tls13_TLS_AES_256_GCM_SHA384_pin_none_MB_per_s", "TLS 1.3 AES-256-GCM bulk", "MB/s"),
                                         same_run("BM_BlockTransfer/0", "MB/s", "plaintext, same run")],
        ("BM_InitialSync10k", "blocks/s"): [same_run("BM_ConnectBaseline10k", "blocks/s",
                                                     f"direct connect, same run (target >= {SYNC_TARGET:.0%})")],
    }
    for key in medians:
        spec = spec_of(key)
        if spec and key.startswith(("BM_NodeMessages/", "BM_RawTcpMessages/")):
            rows = [limit("stream64_recvbuf64k_pin_none_msgs_per_s", "raw TCP 64 B msgs (limits)", "msgs/s")]
            if key.startswith("BM_NodeMessages/"):
                raw_key = "BM_RawTcpMessages/" + key.split("/", 1)[1]
                rows.append(same_run(raw_key, "msgs/s", "raw TCP, same program"))
            comparisons[(key, "msgs/s")] = rows

    # Targets that are properties of our own numbers (no hardware run needed).
    def verdict(ok):
        return "met" if ok else "NOT MET"

    targets = {}
    sha = value_of("BM_Sha256dHeader")
    if sha is not None:
        targets[("BM_Sha256dHeader", "hashes/s")] = (
            f"target >= {si(SHA_TARGET)} hashes/s: {verdict(sha >= SHA_TARGET)}", f"{sha / SHA_TARGET:.0%}")
    frame, sha1mib = value_of("BM_FrameDecode_1MiBBlock"), value_of("BM_Sha256d_1MiB")
    if frame is not None and sha1mib:
        targets[("BM_FrameDecode_1MiBBlock", "MB/s")] = (
            f"SHA256d of 1 MiB here = {si(sha1mib)} MB/s; target >= {FRAME_TARGET:.0%}: "
            + verdict(frame >= FRAME_TARGET * sha1mib), f"{frame / sha1mib:.0%}")
    for key in ("BM_EncodeDecode_Ping", "BM_EncodeDecode_Inv1"):
        rate = value_of(key)
        if rate is not None:
            targets[(key, "msgs/s")] = (f"target >= {si(SMALL_MESSAGE_TARGET)} msgs/s per core: "
                                        + verdict(rate >= SMALL_MESSAGE_TARGET), f"{rate / SMALL_MESSAGE_TARGET:.0%}")
    for key in ("BM_ParallelVerifier/1000", "BM_ParallelVerifier/4000"):
        par = value_of(key)
        if par is not None and single:
            efficiency = par / (cores * single)
            targets[(key, "verifies/s")] = (
                f"{cores} x our 1-core rate = {si(cores * single)} verifies/s; "
                f"target >= {PARALLEL_EFFICIENCY_TARGET:.0%}: " + verdict(efficiency >= PARALLEL_EFFICIENCY_TARGET),
                f"{efficiency:.0%}")
    for key in medians:
        if key.startswith("BM_IdlePeerMemory/"):
            kib = value_of(key)
            if kib is not None:
                targets[(key, "KiB/peer")] = (f"target <= {PEER_MEMORY_TARGET_KIB} KiB/peer: "
                                              + verdict(kib <= PEER_MEMORY_TARGET_KIB),
                                              f"{PEER_MEMORY_TARGET_KIB / kib:.0%}")

    for (key, unit), target_ms in PROPAGATION_TARGETS_MS.items():
        ms = value_of(key, unit)
        if ms is not None:
            targets[(key, unit)] = (f"target <= {target_ms} {unit.split()[0]}: " + verdict(ms <= target_ms),
                                    f"{target_ms / ms:.0%}")

    def ratio(value, limit_value, unit):
        if not limit_value or not value:
            return "n/a"
        return f"{(limit_value / value if unit in LOWER_IS_BETTER else value / limit_value):.0%}"

    rows = []
    def argument(run):
        tail = run.rpartition("/")[2]
        return (0, int(tail), "") if tail.isdigit() else (1, 0, tail)

    ordered = []  # in BENCHMARKS order; the runs of a "{}" entry by their argument
    for key in BENCHMARKS:
        if "{}" not in key:
            ordered += [key] if key in medians else []
            continue
        prefix = key[:-2]
        ordered += sorted((run for run in medians if run.startswith(prefix) and "/" not in run[len(prefix):]),
                          key=argument)
    for key in ordered:
        _, label, counters = spec_of(key)
        first_row = True
        for counter, unit, scale in counters:
            value = counter_value(medians[key], counter, scale)
            if value is None:
                continue
            shown = show(value, unit)
            name = label if first_row else ""
            first_row = False
            comps = comparisons.get((key, unit), []) if with_limits else [
                c for c in comparisons.get((key, unit), []) if "same" in c[0]]
            if not comps:
                rows.append((name, shown, unit, "", ""))
            for i, (limit_label, limit_value) in enumerate(comps):
                rows.append((name if i == 0 else "", shown if i == 0 else "", unit if i == 0 else "",
                             limit_label, ratio(value, limit_value, unit)))
            if (key, unit) in targets:
                rows.append(("", "", "") + targets[(key, unit)])
    # Benchmarks added later by other engineers still appear, with their first rate counter.
    for run, b in medians.items():
        if spec_of(run):
            continue
        for counter, unit, scale in (("items_per_second", "items/s", 1), ("bytes_per_second", "MB/s", 1e-6)):
            if counter in b:
                rows.append((run, si(b[counter] * scale), unit, "", ""))
                break
        else:
            rows.append((run, f"{b.get('real_time', 0):.4g}", b.get("time_unit", "ns") + "/iteration", "", ""))

    headers = ("benchmark", "value", "unit",
               "hardware limit (same run) / target" if with_limits else "target", "ratio")
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(5)]
    print()
    print("Parthenon performance (median of repetitions)")
    idle_limits = f"{args.idle_limits}%" if args.idle_limits >= 0 else "-"
    print(f"machine idle before the limits: {idle_limits}; before / after the benchmarks: "
          f"{args.idle_before}% / {args.idle_after}%"
          f"; load average (1/5/15 min) {args.load_before} / {args.load_after}; CPUs: {cpus}")
    # Idle % sampled while none of our programs ran: below ~90% someone else used the cores.
    idle = [i for i in (args.idle_limits, args.idle_before, args.idle_after) if i >= 0]
    busy = bool(idle) and min(idle) < 90
    if busy:
        print("WARNING: the machine was not idle (other processes used the cores), so the numbers "
              "are noisy:\nall-core results (ours or the limits') understate this machine and their "
              "ratios mislead. Re-run when idle.")
    if not with_limits:
        print(f"Hardware limits not measured: {args.limits_note or 'no limits folder'}. "
              "Showing benchmark values only.")
    print()
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    if errors:
        print()
        print("Benchmarks that could not run:")
        for e in errors:
            print(f"  {e}")
    print()
    print("Notes: ratios compare with limits measured by ../shared/tools/limits in this run, single")
    print("thread unless stated. Our BIP340 verify parses the key each call, hence the parse+verify limit.")
    print("For latencies and memory (us, ms/hop, KiB/peer) the ratio is limit / ours: 100% is at the limit.")
    print("Memory per idle peer is measured on a running parthenon-node (bench/idle_peer_memory.py).")
    print("Block (de)serialization has no direct hardware limit; SHA-256 over 16 KB is shown as a")
    print("reference for a memory-bound pass over the same bytes. Limits and benchmarks run one after the")
    print("other, so background load affects both; compare ratios, not absolute numbers, across runs.")
    # Skipped benchmarks (e.g. no ../shared/vectors) are listed above; the table itself succeeded.
    return 0


if __name__ == "__main__":
    sys.exit(main())
