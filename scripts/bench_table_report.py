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

# Benchmark run name -> (label, counter, unit, scale). `scale` turns the counter into `unit`.
BENCHMARKS = {
    "BM_Sha256dHeader": ("SHA256d of 80-byte headers (Sha256d)", "items_per_second", "hashes/s", 1),
    "BM_BlockHeaderHash": ("SHA256d of headers (BlockHeader::Hash)", "items_per_second", "hashes/s", 1),
    "BM_VerifySchnorr": ("BIP340 verify, 1 core", "items_per_second", "verifies/s", 1),
    "BM_ParallelVerifier/1000/real_time": ("ParallelVerifier, batch 1000, all cores", "items_per_second", "verifies/s", 1),
    "BM_ParallelVerifier/4000/real_time": ("ParallelVerifier, batch 4000, all cores", "items_per_second", "verifies/s", 1),
    "BM_DecodeBlock": ("Decode block413567 (1 MB)", "bytes_per_second", "MB/s", 1e-6),
    "BM_DecodeBlock#items": ("Decode block413567, per transaction", "items_per_second", "tx/s", 1),
    "BM_SerializeBlock": ("Serialize block413567", "bytes_per_second", "MB/s", 1e-6),
    "BM_TxidAndWtxid": ("txid + wtxid, 1557 tx of block413567", "items_per_second", "tx/s", 1),
    "BM_BlockMerkleRoot": ("Merkle root of block413567 (incl. txids)", "items_per_second", "tx/s", 1),
    "BM_FrameDecode_1MiBBlock": ("Frame decode + checksum, 1 MiB block msg", "bytes_per_second", "MB/s", 1e-6),
    "BM_FrameAndBlockDecode_1MiBBlock": ("Frame + block decode, 1 MiB block msg", "bytes_per_second", "MB/s", 1e-6),
    "BM_Sha256d_1MiB": ("SHA256d of 1 MiB (same process)", "bytes_per_second", "MB/s", 1e-6),
    "BM_EncodeDecode_Ping": ("ping encode + decode (payload)", "items_per_second", "msgs/s", 1),
    "BM_EncodeDecode_Inv1": ("inv of 1 entry encode + decode (payload)", "items_per_second", "msgs/s", 1),
    "BM_FrameRoundTrip_Ping": ("ping framed: encode, checksum, decode", "items_per_second", "msgs/s", 1),
}

SHA_TARGET = 4e6  # issue target for header hashing, hashes/s
PARALLEL_EFFICIENCY_TARGET = 0.90
FRAME_TARGET = 0.80  # frame decode vs SHA256d of the same bytes (wire issue)
SMALL_MESSAGE_TARGET = 5e6  # ping / inv encode+decode per core (wire issue)


def si(value):
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}"
    return f"{value:.3g}"


def show(value, unit):
    # MB/s reads best as a plain number ("1,930 MB/s", not "1.93 k MB/s").
    return f"{value:,.0f}" if unit == "MB/s" else si(value)


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
                medians[b["run_name"]] = b
            elif b.get("run_type") == "iteration" and b["run_name"] not in medians:
                medians[b["run_name"]] = b  # run without repetitions
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

    def value_of(key):
        run = key.split("#")[0]
        if run not in medians or key not in BENCHMARKS:
            return None
        _, counter, _, scale = BENCHMARKS[key]
        raw = medians[run].get(counter)
        return None if raw is None else raw * scale

    single = value_of("BM_VerifySchnorr")
    # Workers + calling thread, as the ParallelVerifier benchmark reports it; else the CPU count.
    cores = cpus or 1
    for key in ("BM_ParallelVerifier/1000/real_time", "BM_ParallelVerifier/4000/real_time"):
        if key in medians and medians[key].get("parallelism"):
            cores = int(medians[key]["parallelism"])

    # Benchmark -> the limits it is compared with.
    def limit(metric, label, unit):
        """(text, value) for a limit of this run; value None if it was not measured."""
        if metric not in limits:
            return (f"{label}: n/a (not measured)", None)
        return (f"{label} = {show(limits[metric], unit)} {unit}", limits[metric])

    comparisons = {
        "BM_Sha256dHeader": [limit("lowlevel_full_wall_Hps", "OpenSSL SHA256_* full", "hashes/s"),
                             limit("EVP_MD_CTX_reuse_wall_Hps", "OpenSSL EVP ctx reuse", "hashes/s")],
        "BM_BlockHeaderHash": [limit("lowlevel_full_wall_Hps", "OpenSSL SHA256_* full", "hashes/s"),
                               limit("EVP_MD_CTX_reuse_wall_Hps", "OpenSSL EVP ctx reuse", "hashes/s")],
        "BM_VerifySchnorr": [limit("schnorr_parse+verify_t1_wall_per_s", "secp parse+verify, 1 thread", "verifies/s")],
        "BM_DecodeBlock": [limit("sha256_16384B_MB_per_s", "ref: SHA-256 of 16 KB blocks", "MB/s")],
        "BM_SerializeBlock": [limit("sha256_16384B_MB_per_s", "ref: SHA-256 of 16 KB blocks", "MB/s")],
        "BM_FrameDecode_1MiBBlock": [limit("sha256_16384B_MB_per_s", "OpenSSL SHA-256 of 16 KB blocks", "MB/s")],
    }
    for key in ("BM_ParallelVerifier/1000/real_time", "BM_ParallelVerifier/4000/real_time"):
        rows = [limit("schnorr_parse+verify_t2_wall_per_s", "secp parse+verify, 2 threads", "verifies/s")]
        comparisons[key] = rows

    # Targets that are properties of our own numbers (no hardware run needed).
    targets = {}
    sha = value_of("BM_Sha256dHeader")
    if sha is not None:
        targets["BM_Sha256dHeader"] = (f"target >= {si(SHA_TARGET)} hashes/s: "
                                       + ("met" if sha >= SHA_TARGET else "NOT MET"),
                                       f"{sha / SHA_TARGET:.0%}")
    frame, sha1mib = value_of("BM_FrameDecode_1MiBBlock"), value_of("BM_Sha256d_1MiB")
    if frame is not None and sha1mib:
        targets["BM_FrameDecode_1MiBBlock"] = (
            f"SHA256d of 1 MiB here = {si(sha1mib)} MB/s; target >= {FRAME_TARGET:.0%}: "
            + ("met" if frame >= FRAME_TARGET * sha1mib else "NOT MET"), f"{frame / sha1mib:.0%}")
    for key in ("BM_EncodeDecode_Ping", "BM_EncodeDecode_Inv1"):
        rate = value_of(key)
        if rate is not None:
            targets[key] = (f"target >= {si(SMALL_MESSAGE_TARGET)} msgs/s per core: "
                            + ("met" if rate >= SMALL_MESSAGE_TARGET else "NOT MET"),
                            f"{rate / SMALL_MESSAGE_TARGET:.0%}")
    for key in ("BM_ParallelVerifier/1000/real_time", "BM_ParallelVerifier/4000/real_time"):
        par = value_of(key)
        if par is not None and single:
            efficiency = par / (cores * single)
            targets[key] = (f"{cores} x our 1-core rate = {si(cores * single)} verifies/s; "
                            f"target >= {PARALLEL_EFFICIENCY_TARGET:.0%}: "
                            + ("met" if efficiency >= PARALLEL_EFFICIENCY_TARGET else "NOT MET"),
                            f"{efficiency:.0%}")

    rows = []
    for key, (label, _, unit, _) in BENCHMARKS.items():
        value = value_of(key)
        if value is None:
            continue
        shown = show(value, unit)
        comps = comparisons.get(key, []) if with_limits else []
        if not comps:
            rows.append((label, shown, unit, "", ""))
        for i, (limit_label, limit_value) in enumerate(comps):
            ratio = f"{value / limit_value:.0%}" if limit_value else "n/a"
            rows.append((label if i == 0 else "", shown if i == 0 else "", unit if i == 0 else "",
                         limit_label, ratio))
        if key in targets:
            rows.append(("", "", "") + targets[key])
    # Benchmarks added later by other engineers still appear, without a limit.
    for run, b in medians.items():
        if run in BENCHMARKS:
            continue
        for counter, unit, scale in (("items_per_second", "items/s", 1), ("bytes_per_second", "MB/s", 1e-6)):
            if counter in b:
                rows.append((run, si(b[counter] * scale), unit, "", ""))
                break
        else:
            rows.append((run, f"{b.get('real_time', 0):.4g}", b.get("time_unit", "ns") + "/op", "", ""))

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
    print("Block (de)serialization has no direct hardware limit; SHA-256 over 16 KB is shown as a")
    print("reference for a memory-bound pass over the same bytes. Limits and benchmarks run one after the")
    print("other, so background load affects both; compare ratios, not absolute numbers, across runs.")
    # Skipped benchmarks (e.g. no ../shared/vectors) are listed above; the table itself succeeded.
    return 0


if __name__ == "__main__":
    sys.exit(main())
