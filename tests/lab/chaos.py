#!/usr/bin/env python3
"""The chaos runner (issue 14): runs the cases of tests/lab/cases/ against real daemons and
prints a report in the shape of seed document 002 (one line per case, then a summary box).

Usage: chaos.py --build-dir build/release [--case KEY]... [--list] [--keep] [--report DIR] [-v]
Exit status: 0 when no case failed (NOT RUN cases are listed with their reason), 1 otherwise.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import pathlib
import shutil
import signal
import sys
import tempfile
import time
import traceback

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import chaos_api  # noqa: E402
import lab  # noqa: E402

WIDTH = 58


@dataclasses.dataclass
class Result:
    key: str
    title: str
    category: str
    status: str          # PASS, FAIL or NOT RUN
    seconds: float
    iterations: int = 0
    detail: str = ""


def load_cases() -> list[chaos_api.Case]:
    cases = []
    for path in sorted((HERE / "cases").glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = importlib.import_module(f"cases.{path.stem}")
        cases.extend(getattr(module, "CASES", []))
    for case in cases:
        if case.category not in chaos_api.CATEGORIES:
            raise SystemExit(f"case {case.key}: unknown category {case.category!r}")
    keys = [case.key for case in cases]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise SystemExit(f"duplicate case keys: {', '.join(sorted(duplicates))}")
    return sorted(cases, key=lambda c: chaos_api.CATEGORIES.index(c.category))


def run_case(case: chaos_api.Case, args, work_root: pathlib.Path, log_file) -> Result:
    work = work_root / case.key
    shutil.rmtree(work, ignore_errors=True)  # fresh, even in a reused --report directory
    work.mkdir(parents=True)

    def log(line: str) -> None:
        stamped = f"{time.strftime('%H:%M:%S')} [{case.key}] {line}"
        log_file.write(stamped + "\n")
        log_file.flush()
        if args.verbose:
            print(stamped, flush=True)

    start = time.monotonic()
    ctx = chaos_api.Context(source_dir=HERE.parent.parent, build_dir=args.build_dir, work_dir=work,
                            deadline=start + case.timeout_s, log=log)
    signal.signal(signal.SIGALRM, _timeout)
    signal.setitimer(signal.ITIMER_REAL, case.timeout_s + 15)  # a case that ignores its deadline
    try:
        outcome = case.run(ctx)
        result = Result(case.key, case.title, case.category, "PASS", 0, outcome.iterations, outcome.detail)
    except chaos_api.NotRun as e:
        result = Result(case.key, case.title, case.category, "NOT RUN", 0, detail=str(e))
    except Exception as e:  # noqa: BLE001 - any failure of a case is its FAIL line
        trace = "".join(traceback.format_exception(e))
        log(trace)
        # The report line holds one line of it; CI shows only stdout, so the whole story goes there.
        print(f"--- {case.key} failed:\n{_last_lines(trace, 80)}", flush=True)
        result = Result(case.key, case.title, case.category, "FAIL", 0,
                        detail=(str(e).splitlines() or [type(e).__name__])[0][:200])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    result.seconds = time.monotonic() - start
    if time.monotonic() > ctx.deadline and result.status == "PASS":
        result.status, result.detail = "FAIL", f"overran its {case.timeout_s:.0f} s deadline"
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _last_lines(text: str, count: int) -> str:
    lines = text.rstrip("\n").splitlines()
    return "\n".join((["[...]"] if len(lines) > count else []) + lines[-count:])


def _timeout(signum, frame):
    raise TimeoutError("the case overran its deadline")


def _terminate(signum, frame):
    raise KeyboardInterrupt  # unwinds through every Lab's close()


def line_of(result: Result) -> str:
    if result.status == "NOT RUN":
        return f"NOT RUN: {result.title} ({result.detail})"
    text = f"{result.status}: {result.title} ({result.seconds:.1f}s, {result.iterations} iterations)"
    return text + (f" - {result.detail}" if result.detail else "")


def box(lines: list[str]) -> list[str]:
    return (["╔" + "═" * WIDTH + "╗"] + [f"║  {line:<{WIDTH - 2}}║" for line in lines]
            + ["╚" + "═" * WIDTH + "╝"])


def report(results: list[Result], total_seconds: float) -> str:
    count = lambda status: sum(1 for r in results if r.status == status)  # noqa: E731
    out = box(["Chaos Engineering Test Report"]) + [""]
    out += [line_of(r) for r in results] + [""]
    out += box(["Summary", f"Total Tests:  {len(results)}", f"Passed:       {count('PASS')}",
                f"Failed:       {count('FAIL')}", f"Not run:      {count('NOT RUN')}",
                f"Total Time:   {total_seconds:.1f}s"])
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=pathlib.Path, default=HERE.parent.parent / "build/release")
    parser.add_argument("--case", action="append", default=[], metavar="KEY", help="run only this case (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--keep", action="store_true", help="keep each case's work directory")
    parser.add_argument("--report", type=pathlib.Path, help="write report.txt, report.json and logs here")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    args.build_dir = args.build_dir.resolve()

    cases = load_cases()
    if args.list:
        for case in cases:
            print(f"{case.key:<28} {case.category:<12} {case.title} (deadline {case.timeout_s:.0f} s)")
        return 0
    unknown = set(args.case) - {case.key for case in cases}
    if unknown:
        parser.error(f"unknown case: {', '.join(sorted(unknown))} (see --list)")
    selected = [case for case in cases if not args.case or case.key in args.case]

    report_dir = args.report or pathlib.Path(tempfile.mkdtemp(prefix="parthenon-chaos-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    work_root = report_dir / "work"
    signal.signal(signal.SIGTERM, _terminate)
    lab_tools = os.geteuid() == 0 and shutil.which("ip") is not None
    if lab_tools:
        swept = lab.sweep_stale()
        if swept:
            print(f"removed {swept} namespaces left by an earlier run")
    start = time.monotonic()
    results = []
    with open(report_dir / "chaos.log", "w") as log_file:
        try:
            for case in selected:
                result = run_case(case, args, work_root, log_file)
                results.append(result)
                print(line_of(result), flush=True)
        finally:
            if lab_tools:
                lab.sweep(f"pn-{os.getpid()}-")
    text = report(results, time.monotonic() - start)
    print("\n" + text)
    (report_dir / "report.txt").write_text(text)
    (report_dir / "report.json").write_text(json.dumps([dataclasses.asdict(r) for r in results], indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(work_root, ignore_errors=True)
    print(f"report: {report_dir}/report.txt")
    return 1 if any(r.status == "FAIL" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
