#!/usr/bin/env python3
"""Runs chaos cases by key with the chaos_api contract (a stand-in until tests/lab/chaos.py, the
full runner with the report, supersedes it).

Usage: tests/lab/run_case.py [--build DIR] [--keep] KEY...   (e.g. storage-disk-full)
Exit status: 0 all passed or not run, 1 a case failed.
"""
from __future__ import annotations

import argparse
import importlib
import pathlib
import shutil
import sys
import tempfile
import time
import traceback

LAB = pathlib.Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(LAB))

from chaos_api import Case, Context, NotRun  # noqa: E402


def all_cases() -> dict[str, Case]:
    cases = {}
    for module in sorted((LAB / "cases").glob("*.py")):
        if module.name.startswith("_"):
            continue
        for case in getattr(importlib.import_module(f"cases.{module.stem}"), "CASES", []):
            cases[case.key] = case
    return cases


def run_one(case: Case, build: pathlib.Path, keep: bool) -> bool:
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"parthenon-chaos-{case.key}."))
    start = time.monotonic()
    ctx = Context(source_dir=LAB.parent.parent, build_dir=build, work_dir=work,
                  deadline=start + case.timeout_s, log=lambda line: print(f"  {line}", flush=True))
    ok = True
    try:
        outcome = case.run(ctx)
        verdict = f"PASS  {outcome.iterations} iterations  {outcome.detail}"
    except NotRun as e:
        verdict = f"NOT RUN  {e}"
    except Exception as e:  # noqa: BLE001 - any exception is a failed case
        traceback.print_exc()
        verdict, ok = f"FAIL  {type(e).__name__}: {e}", False
    print(f"{case.title:<28} {verdict}  ({time.monotonic() - start:.1f} s)", flush=True)
    if keep:
        print(f"  work dir kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=pathlib.Path, default=LAB.parent.parent / "build/release")
    parser.add_argument("--keep", action="store_true", help="keep each case's work directory")
    parser.add_argument("keys", nargs="+")
    args = parser.parse_args()
    cases = all_cases()
    unknown = [k for k in args.keys if k not in cases]
    if unknown:
        print(f"unknown case(s): {' '.join(unknown)}; known: {' '.join(sorted(cases))}", file=sys.stderr)
        return 2
    results = [run_one(cases[k], args.build.resolve(), args.keep) for k in args.keys]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
