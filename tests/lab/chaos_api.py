"""The contract between the chaos runner and its cases (issue 14).

A case module lives in tests/lab/cases/ and defines CASES, a list of Case values. The runner
imports every module there, orders the cases by CATEGORIES, runs each in a fresh work directory
with a deadline, and prints one report line per case. A case asserts outcomes: it raises
AssertionError (or any exception) when the node misbehaves, NotRun when this machine lacks what
the case needs (the reason is printed; a case is never skipped silently), and otherwise returns
an Outcome.
"""
from __future__ import annotations

import dataclasses
import pathlib
import time
from typing import Callable

# Report order; a case's category must be one of these.
CATEGORIES = ("network", "storage", "peer", "consensus", "resource", "concurrency")


class NotRun(Exception):
    """The machine lacks what the case needs (root, namespaces, cgroup v2, a TSan build...)."""


@dataclasses.dataclass
class Outcome:
    iterations: int          # how many times the fault was injected / the check repeated
    detail: str = ""         # one short line for the report: what was measured


@dataclasses.dataclass
class Context:
    source_dir: pathlib.Path   # the repository
    build_dir: pathlib.Path    # a release build (bin: src/apps/parthenon-node, parthenon-cli)
    work_dir: pathlib.Path     # fresh and empty, removed after the case unless --keep
    deadline: float            # time.monotonic() by which the case must have returned
    log: Callable[[str], None]  # progress lines (shown with --verbose, kept in the report dir)

    @property
    def node_bin(self) -> pathlib.Path:
        return self.build_dir / "src/apps/parthenon-node"

    @property
    def cli_bin(self) -> pathlib.Path:
        return self.build_dir / "src/apps/parthenon-cli"

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


@dataclasses.dataclass
class Case:
    key: str                  # command-line name, e.g. "network-partition"
    title: str                # report name, e.g. "Network Partition"
    category: str             # one of CATEGORIES
    run: Callable[[Context], Outcome]
    timeout_s: float = 120.0  # the runner's deadline for this case
