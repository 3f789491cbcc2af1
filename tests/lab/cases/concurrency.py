"""Race and deadlock detection: the integration tests (many nodes, many threads, in one process)
built with ThreadSanitizer (the `tsan` preset) and run under a watchdog (docs/chaos.md)."""
from __future__ import annotations

import os
import re
import subprocess

from chaos_api import Case, Context, NotRun, Outcome

_REPORT = re.compile(r"WARNING: ThreadSanitizer: ([a-z -]+?) \(pid")
_TEST_TIMEOUT_S = 300  # ctest's watchdog per test: a hung (deadlocked) test fails
# The tsan build makes the integration test programs (and any unit test program asked for);
# the others are listed by ctest as *_NOT_BUILT, and functional tests use the release binaries.
_NOT_TSAN = "_NOT_BUILT$|^functional_|^check_layers$|^chaos$"


def tsan_options(ctx: Context, log_dir) -> str:
    suppressions = ctx.source_dir / "tests/tsan-suppressions.txt"
    return " ".join([
        "halt_on_error=0", "exitcode=66", "detect_deadlocks=1", "second_deadlock_stack=1",
        f"suppressions={suppressions}", f"log_path={log_dir}/tsan",
    ])


def races(ctx: Context) -> Outcome:
    build = ctx.source_dir / "build/tsan"
    if not (build / "CTestTestfile.cmake").exists():
        raise NotRun(f"no TSan build in {build}: cmake --preset tsan && cmake --build --preset tsan -j2")
    log_dir = ctx.work_dir / "tsan-logs"
    log_dir.mkdir()
    env = dict(os.environ, TSAN_OPTIONS=tsan_options(ctx, log_dir))
    budget = max(60, int(ctx.remaining()) - 30)
    try:
        done = subprocess.run(["ctest", "--test-dir", str(build), "-E", _NOT_TSAN, "-j2",
                               "--timeout", str(_TEST_TIMEOUT_S), "--output-on-failure"],
                              env=env, capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"the TSan test run did not finish in {budget} s") from e
    reports = [m.group(1) for log in sorted(log_dir.iterdir())
               for m in _REPORT.finditer(log.read_text(errors="replace"))]
    summary = re.search(r"(\d+)% tests passed, (\d+) tests failed out of (\d+)", done.stdout)
    assert summary, f"no ctest summary:\n{done.stdout[-2000:]}{done.stderr[-1000:]}"
    total = int(summary.group(3))
    assert total > 0, "no test ran"
    if reports:
        kinds = sorted(set(reports))
        first = sorted(log_dir.iterdir())[0].read_text(errors="replace")[:3000]
        raise AssertionError(f"{len(reports)} TSan report(s) ({', '.join(kinds)}); first:\n{first}")
    assert done.returncode == 0, f"{summary.group(2)} test(s) failed:\n{done.stdout[-3000:]}"
    return Outcome(total, f"{total} tests under TSan (detect_deadlocks=1, watchdog "
                          f"{_TEST_TIMEOUT_S} s/test): 0 reports")


CASES = [Case("concurrency-races", "Race & Deadlock Detection", "concurrency", races, timeout_s=1500)]
