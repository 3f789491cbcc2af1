#!/usr/bin/env python3
"""Block and transaction propagation across a lab of 50 daemons (issue 14, part 3).

Each node sits in its own namespace and dials 8 distinct random others, every link through the
delaying relay (relay.py) with a one-way delay of half a round-trip time drawn from a log-normal
distribution (median 107 ms, sigma 0.7, clipped to 10..1500 ms; docs/performance.md says where
these come from). Blocks are mined one at a time on rotating nodes and transactions sent from
rotating wallets; each node's arrival time is the microsecond timestamp of its own
"new tip <hash>" / "mempool accepted tx <txid>" debug log line (all logs share this machine's
clock), minus the origin node's. Writes propagation.json, propagation.txt, the CDF data and
propagation.png (gnuplot) to --out.

Usage: propagation.py --build-dir build/release --out DIR [--nodes 50] [--blocks 20] [--txs 20]
Needs root. Not part of CI (too heavy): run by hand, see docs/performance.md.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import heapq
import json
import math
import pathlib
import random
import re
import shutil
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import lab as lablib  # noqa: E402
import scenario  # noqa: E402
from daemon import wait_until  # noqa: E402

RTT_MEDIAN_MS, RTT_SIGMA, RTT_MIN_MS, RTT_MAX_MS = 107.0, 0.7, 10.0, 1500.0
_STAMP = re.compile(r"^(\S+Z) debug \[chain\] (new tip|mempool accepted tx) ([0-9a-f]{64})", re.M)


def draw_rtt_ms(rng: random.Random) -> float:
    return min(RTT_MAX_MS, max(RTT_MIN_MS, rng.lognormvariate(math.log(RTT_MEDIAN_MS), RTT_SIGMA)))


def topology(nodes: int, outbound: int, rng: random.Random) -> dict[int, list[tuple[int, float]]]:
    """node -> [(peer, one-way delay s)] with `outbound` distinct peers each."""
    return {i: [(j, draw_rtt_ms(rng) / 2000.0) for j in rng.sample([k for k in range(nodes) if k != i], outbound)]
            for i in range(nodes)}


def one_way_distances(links: dict[int, list[tuple[int, float]]], origin: int) -> dict[int, float]:
    """Shortest sum of one-way link delays from origin to every node (links carry both ways)."""
    graph: dict[int, list[tuple[int, float]]] = {i: [] for i in links}
    for i, peers in links.items():
        for j, delay in peers:
            graph[i].append((j, delay))
            graph[j].append((i, delay))
    best = {origin: 0.0}
    queue = [(0.0, origin)]
    while queue:
        dist, node = heapq.heappop(queue)
        if dist > best.get(node, math.inf):
            continue
        for peer, delay in graph[node]:
            if dist + delay < best.get(peer, math.inf):
                best[peer] = dist + delay
                heapq.heappush(queue, (dist + delay, peer))
    return best


def arrivals(daemons, key: str) -> dict[int, float]:
    """node index -> Unix time of its log line for `key` (a block hash or a txid)."""
    out = {}
    for i, node in enumerate(daemons):
        for stamp, _, found in _STAMP.findall(node.log_text()):
            if found == key:
                out[i] = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=datetime.timezone.utc).timestamp()
                break
    return out


def measure(daemons, origin: int, key: str, timeout: float) -> dict[int, float]:
    """Waits until every node logged `key`; returns each other node's delay after the origin's."""
    def everywhere():
        found = arrivals(daemons, key)
        return found if len(found) == len(daemons) else None
    seen = wait_until(f"{key[:12]} on all {len(daemons)} nodes", everywhere, timeout, interval=0.2)
    return {i: seen[i] - seen[origin] for i in seen if i != origin}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def summary(delays: list[dict[int, float]], bounds: list[dict[int, float]]) -> dict:
    """Percentiles of all arrivals, of the last arrival per event, and of measured / lower bound,
    where the bound is 3 one-way trips (announce, request, deliver) along the shortest path."""
    flat = [d for event in delays for d in event.values()]
    whole = [max(event.values()) for event in delays]
    ratios = [event[i] / (3 * bound[i]) for event, bound in zip(delays, bounds) for i in event]
    return {"events": len(delays), "samples": len(flat),
            **{f"p{p}_s": round(percentile(flat, p), 4) for p in (50, 95, 99)},
            "whole_network_median_s": round(percentile(whole, 50), 4),
            "whole_network_max_s": round(max(whole), 4),
            "ratio_to_path_bound_p50": round(percentile(ratios, 50), 3),
            "ratio_to_path_bound_p95": round(percentile(ratios, 95), 3)}


def plot(out: pathlib.Path, blocks: list[float], txs: list[float], title: str) -> None:
    for name, values in (("block", blocks), ("tx", txs)):
        ordered = sorted(values)
        (out / f"{name}_cdf.dat").write_text("".join(f"{v:.4f} {(k + 1) / len(ordered):.4f}\n"
                                                     for k, v in enumerate(ordered)))
    script = (f"set terminal pngcairo size 900,540\nset output '{out}/propagation.png'\n"
              f"set title '{title}'\n"
              "set xlabel 'seconds after the origin node'\nset ylabel 'fraction of arrivals'\n"
              "set key bottom right\nset grid\nset yrange [0:1]\n"
              f"plot '{out}/block_cdf.dat' using 1:2 with steps lw 2 title 'blocks', "
              f"'{out}/tx_cdf.dat' using 1:2 with steps lw 2 title 'transactions'\n")
    subprocess.run(["gnuplot"], input=script, text=True, check=True, timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=pathlib.Path, default=HERE.parent.parent / "build/release")
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--outbound", type=int, default=8)
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--txs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    if shutil.which("gnuplot") is None:
        raise SystemExit("gnuplot is not installed (scripts/install-deps.sh)")
    lablib.require_lab()
    lablib.sweep_stale()
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    rng = random.Random(args.seed)
    links = topology(args.nodes, args.outbound, rng)
    log = lambda line: print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)  # noqa: E731
    with lablib.Lab(args.nodes, log=log) as lab:
        for i, peers in links.items():
            lab.relay(i, [(20000 + j, lab.hosts[j].target, delay) for j, delay in peers], work)
        daemons = [lab.daemon(i, work, args.build_dir.resolve(),
                              connect=tuple(f"127.0.0.1:{20000 + j}" for j, _ in links[i]))
                   for i in range(args.nodes)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda d: d.start(60), daemons))
        log(f"{args.nodes} daemons up; waiting for {args.outbound} outbound links each")
        for node in daemons:
            wait_until(f"{node.name} links", lambda n=node: scenario.connected_peers(n) >= args.outbound, 120)
        scenario.mine(daemons[0], 101)
        wait_until("all nodes at height 101", lambda: all(d.height() == 101 for d in daemons), 300, interval=1)
        log("synced at height 101; measuring blocks")
        block_delays, block_bounds = [], []
        for k in range(args.blocks):
            origin = (k * 7) % args.nodes
            block = scenario.mine(daemons[origin], 1)[-1]
            block_delays.append(measure(daemons, origin, block, 120))
            block_bounds.append(one_way_distances(links, origin))
            log(f"block {k + 1}/{args.blocks} from node{origin}: last node after {max(block_delays[-1].values()):.3f} s")
        tx_delays, tx_bounds = [], []
        payees = [d.rpc("getnewaddress") for d in daemons[:args.txs]]
        for k in range(args.txs):
            txid = daemons[0].rpc("sendtoaddress", payees[k], "0.1")
            tx_delays.append(measure(daemons, 0, txid, 120))
            tx_bounds.append(one_way_distances(links, 0))
            log(f"tx {k + 1}/{args.txs}: last node after {max(tx_delays[-1].values()):.3f} s")
    result = {"nodes": args.nodes, "outbound": args.outbound, "seed": args.seed,
              "rtt_ms": {"distribution": "lognormal", "median": RTT_MEDIAN_MS, "sigma": RTT_SIGMA,
                         "clip": [RTT_MIN_MS, RTT_MAX_MS]},
              "load_average_at_end": open("/proc/loadavg").read().split()[:3],
              "blocks": summary(block_delays, block_bounds), "transactions": summary(tx_delays, tx_bounds)}
    (args.out / "propagation.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(args.out, [d for e in block_delays for d in e.values()], [d for e in tx_delays for d in e.values()],
         f"Parthenon lab: arrival after the origin, {args.nodes} nodes, {args.outbound} outbound each")
    lines = [f"{name}: p50 {s['p50_s']:.3f} s, p95 {s['p95_s']:.3f} s, p99 {s['p99_s']:.3f} s; "
             f"whole network median {s['whole_network_median_s']:.3f} s, max {s['whole_network_max_s']:.3f} s "
             f"({s['events']} events, {s['samples']} arrivals); measured / 3-trip path bound: "
             f"p50 {s['ratio_to_path_bound_p50']:.2f}, p95 {s['ratio_to_path_bound_p95']:.2f}"
             for name, s in (("blocks", result["blocks"]), ("transactions", result["transactions"]))]
    (args.out / "propagation.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
